import Foundation
import LetheErasure
import LetheIO
import LetheTensor
import LetheTestSupport

/// A case of Scripts/reference/make_closed_form_fixtures.py (its settings come from the fixture's metadata) and
/// how to run it through Lethe.
struct ClosedFormCase: Decodable {
    struct RECE: Decodable {
        let epochs: Int
        let reg: Double
        let lamb: Double
        let erase_scale: Double
        let preserve_scale: Double
        let technique: String
        /// nil: regzero (the cases written before the other closed forms).
        var variant: String?
        var reg_item: String?
    }

    let pipeline: String
    let concepts: [String]
    let guides: [String]
    let preserve: [String]
    let lamb: Double
    let erase_scale: Double
    let preserve_scale: Double?
    let technique: String
    let variant: String
    var add_prompts: String?
    var rece: RECE?

    static let file = Fixture.reference("closed-form.safetensors")

    static func all() throws -> [String: ClosedFormCase] {
        let reference = try SafeTensorsFile.open(file)
        let json = reference.metadata?["cases"] ?? "{}"
        return try JSONDecoder().decode([String: ClosedFormCase].self, from: Data(json.utf8))
    }

    var uceSettings: UCESettings {
        var settings = UCESettings(concepts: concepts, guides: guides, preserve: preserve)
        settings.lambda = lamb
        settings.eraseScale = erase_scale
        settings.preserveScale = preserve_scale
        settings.technique = EditTechnique(rawValue: technique)!
        settings.variant = UCESettings.Variant(rawValue: variant)!
        settings.addPrompts = add_prompts.map { UCEPromptExpansion(rawValue: $0)! }
        return settings
    }

    var receSettings: RECESettings? {
        rece.map { rece in
            var settings = RECESettings()
            settings.epochs = rece.epochs
            settings.regularization = rece.reg
            settings.lambda = rece.lamb
            settings.eraseScale = rece.erase_scale
            settings.preserveScale = rece.preserve_scale
            settings.technique = EditTechnique(rawValue: rece.technique)!
            settings.variant = rece.variant.map { RECESettings.Variant(rawValue: $0)! } ?? .regzero
            if let item = rece.reg_item { settings.surrogateTerms = RECESettings.SurrogateTerms(rawValue: item)! }
            return settings
        }
    }

    /// Runs the edit on the case's fixture in memory; returns the edited projections (float32, before any file).
    func edit() throws -> ClosedFormProjectionsFixture {
        let fixture = try ClosedFormProjectionsFixture(folder: Fixture.pipeline(pipeline))
        let erasure = ClosedFormErasure(
            uce: uceSettings, rece: receSettings, encoder: fixture.encoder, projections: fixture.projections)
        try erasure.validate()
        _ = try erasure.run()
        return fixture
    }

    /// Runs the case as `lethe uce`/`lethe rece` would, into a fresh temporary folder; returns the folder.
    func run(output: URL = FileManager.default.temporaryDirectory
        .appendingPathComponent("lethe-closed-form-\(UUID().uuidString)")) throws -> (URL, ErasureReport) {
        var job = ClosedFormErasureJob(
            model: Fixture.pipeline(pipeline), uce: uceSettings, rece: receSettings, output: output)
        job.probe = nil
        let report = try job.run(communicator: .singleProcess())
        return (output, report)
    }
}
