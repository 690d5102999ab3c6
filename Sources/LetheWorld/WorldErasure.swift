import Foundation
import LetheDistributed
import LetheErasure

/// Each method's settings on the world's model, in one place: what `lethe demo`, `lethe world erase` and
/// `Scripts/results.sh` (the README's results table) run, so the table measures what a user gets.
///
/// Tuned against `lethe eval` on the shipped model (16 captions a set, no attacks), taking for each kind of concept
/// the strongest erasure whose preserved accuracy stays at or above 0.85; the README's "The world's tuned settings"
/// has the measurements. Forget-Me-Not has no setting that meets that bar in the world: it keeps the rate at which
/// it erases the demo's star with the other shapes kept.
public struct WorldErasure: Sendable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case rece, uce, fmn

        public var title: String {
            switch self {
            case .rece: "RECE"
            case .uce: "UCE"
            case .fmn: "Forget-Me-Not"
            }
        }
    }

    public var method: Method
    /// What it erases: one or many concepts at once (Forget-Me-Not: one after another).
    public var concepts: [WorldConcept]
    /// Forget-Me-Not's images of each concept, made with the base model, and their DDIM steps.
    public var fmnImages = 8
    public var fmnImageSteps = 20
    /// Forget-Me-Not's steps and learning rate (its SD default, 2e-6, is for weights trained for months; the
    /// world's move further per step).
    public var fmnSteps = 35
    public var fmnLearningRate = 5e-4
    /// The UNet parameters Forget-Me-Not trains: only the cross-attention ("attn2", the authors' `only_optimize_ca`).
    /// Training the whole of the world's small UNet on the attention loss alone wrecks every picture in a few steps.
    public var fmnTrain = "attn2"
    public var seed: UInt64 = 0

    public init(_ method: Method, _ concepts: [WorldConcept]) {
        self.method = method
        self.concepts = concepts
    }

    /// UCE's (and RECE's) settings for erasing `concepts` at once, keeping every other word of the world (shapes,
    /// colours and artists): the world's text encoder is 64 wide, so an edit held only to the erased concept's own
    /// kind moves the others' keys and values too (measured: RECE on a shape preserving only the other shapes
    /// halved how often they were drawn). An artist is erased by the name and four more ways to name one, each with
    /// the authors' art templates (`--add-prompts art`): the paper's variant maps a prompt's rows from its last word
    /// on, so the name alone leaves the rows of the words after it ("Ilse Varga style painting of a ...") as they
    /// were (measured: the name alone 100 % → 62 %, with the templates 56 %, with these namings 31 %). Erase scale
    /// 10 for a colour, 3 with preserve scale 1 for an artist (the README's table); with both kinds, the larger.
    public static func uceSettings(for concepts: [WorldConcept]) -> UCESettings {
        let preserve = WorldConcept.all.filter { !concepts.contains($0) }.map(\.name)
        var names: [String] = []
        for concept in concepts {
            let name = concept.name
            names.append(name)
            if concept.isArtist {
                names += ["\(name) style painting of a", "a picture in the style of \(name)", "a drawing by \(name)",
                          "a shape by \(name)"]
            }
        }
        var settings = UCESettings(concepts: names, preserve: preserve)
        if concepts.contains(where: \.isArtist) {
            settings.addPrompts = .art
            settings.eraseScale = 3
            settings.preserveScale = 1
        }
        if concepts.contains(where: \.isColor) { settings.eraseScale = 10 }
        return settings
    }

    /// RECE's settings: the authors' artist task when an artist is among the concepts, else their object task.
    public var receTask: RECESettings.Task { concepts.contains(where: \.isArtist) ? .artist : .object }
    public var receSettings: RECESettings { RECESettings(task: receTask) }

    /// Forget-Me-Not's options for one concept.
    public func fmnOptions(for concept: WorldConcept) -> ForgetMeNotOptions {
        var options = ForgetMeNotOptions(concept: concept.name)
        options.template = concept.isArtist ? .style : .object
        options.steps = fmnSteps
        options.learningRate = fmnLearningRate
        options.train = fmnTrain
        options.seed = seed
        return options
    }

    /// The `lethe` command lines that do the same erasure on any model (each an argument list after `lethe`):
    /// one for UCE and RECE, one per concept for Forget-Me-Not, each reading the model the previous one wrote.
    public func commandLines(model: String?, output: String) -> [[String]] {
        let modelArguments = model.map { ["--model", $0] } ?? []
        switch method {
        case .uce, .rece:
            let settings = Self.uceSettings(for: concepts)
            var arguments = [method.rawValue] + modelArguments
            for concept in settings.concepts { arguments += ["--concept", concept] }
            for prompt in settings.preserve { arguments += ["--preserve", prompt] }
            if let templates = settings.addPrompts { arguments += ["--add-prompts", templates.rawValue] }
            if settings.eraseScale != 1 { arguments += ["--erase-scale", Self.number(settings.eraseScale)] }
            if let scale = settings.preserveScale { arguments += ["--preserve-scale", Self.number(scale)] }
            if method == .rece { arguments += ["--task", receTask.rawValue] }
            return [arguments + ["--output", output]]
        case .fmn:
            var previous = model
            return concepts.enumerated().map { index, concept in
                let options = fmnOptions(for: concept)
                let target = index == concepts.count - 1 ? output : "\(output).part\(index + 1)"
                defer { previous = target }
                return ["fmn"] + (previous.map { ["--model", $0] } ?? [])
                    + ["--concept", concept.name, "--template", options.template.rawValue, "--train", fmnTrain,
                       "--lr", Self.number(fmnLearningRate), "--steps", "\(fmnSteps)", "--generate-images", "\(fmnImages)",
                       "--generation-steps", "\(fmnImageSteps)", "--seed", "\(seed)", "--output", target]
            }
        }
    }

    /// Runs the erasure on `communicator` and writes the erased model to `output`. Forget-Me-Not erases one concept
    /// after another, each from the model the previous one wrote (kept beside `output` as `NAME.partK` until the
    /// next is written); the report returned is the last one's.
    public func run(model: URL, output: URL, overwrite: Bool, communicator: Communicator,
                    log: @escaping (String) -> Void) throws -> ErasureReport {
        switch method {
        case .uce, .rece:
            var job = ClosedFormErasureJob(model: model, uce: Self.uceSettings(for: concepts),
                                           rece: method == .rece ? receSettings : nil, output: output)
            job.overwrite = overwrite
            return try job.run(communicator: communicator, log: log)
        case .fmn:
            var source = model
            var report: ErasureReport?
            for (index, concept) in concepts.enumerated() {
                let last = index == concepts.count - 1
                let target = last ? output : URL(fileURLWithPath: output.path + ".part\(index + 1)")
                var job = ForgetMeNotJob(model: source, options: fmnOptions(for: concept),
                                         images: .generated(count: fmnImages, steps: fmnImageSteps), output: target)
                job.overwrite = overwrite
                if concepts.count > 1 { log("Forget-Me-Not: \(concept.name) (\(index + 1) of \(concepts.count))") }
                report = try job.run(communicator: communicator, log: log)
                try communicator.barrier()
                if index > 0, communicator.rank == 0 { try FileManager.default.removeItem(at: source) }
                source = target
            }
            guard let report else { throw WorldErasureError.noConcepts }
            return report
        }
    }

    /// `1`, `0.5`, `0.0005` as a flag value.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

public enum WorldErasureError: Error, CustomStringConvertible {
    case noConcepts

    public var description: String {
        switch self {
        case .noConcepts: "an erasure needs at least one concept"
        }
    }
}
