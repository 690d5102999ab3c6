import Foundation
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import Testing

/// UCE and RECE against the float64 Python reference of the authors' algorithms
/// (Scripts/reference/make_closed_form_fixtures.py), through the whole job: the written folder is read back.
@Suite struct ClosedFormReferenceTests {
    static let caseNames = ["uce-paper-replace", "uce-paper-tensor", "uce-single-token", "rece-nudity", "rece-artist-tensor"]

    @Test(arguments: caseNames)
    func editedProjectionsMatchTheReference(_ name: String) throws {
        let testCase = try #require(try ClosedFormCase.all()[name])
        let edited = try testCase.edit()
        let reference = try SafeTensorsFile.open(ClosedFormCase.file)
        let names = reference.tensorNames.filter { $0.hasPrefix(name + ".") && !$0.contains(".adversarial.") }
        #expect(names.count == edited.projections.projections.count)
        var worst = 0.0
        for projection in edited.projections.projections {
            let expected = try reference.tensor(named: "\(name).\(projection.name)")
            let error = Self.relativeError(projection.weight, expected)
            worst = max(worst, error)
            #expect(error <= 1e-4, "\(name): \(projection.name) differs from the reference by \(error)")
        }
        print("\(name): worst relative error over \(names.count) projections \(worst)")
    }

    @Test(arguments: caseNames)
    func writtenFolderHoldsTheEditInTheSourceFormat(_ name: String) throws {
        // The job's folder: the edited projections as computed (rounded to the source's dtype: sd2-tiny is an
        // fp16-variant model), every other tensor exactly as in the source, the source's variant file name.
        let testCase = try #require(try ClosedFormCase.all()[name])
        let (folder, _) = try testCase.run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try DiffusersModelFolder(url: ErasureFixtures.pipeline(testCase.pipeline)).weights(of: "unet")
        let written = try DiffusersModelFolder(url: folder).weights(of: "unet")
        let fp16 = testCase.pipeline == "sd2-tiny"
        let fileName = fp16 ? "diffusion_pytorch_model.fp16.safetensors" : "diffusion_pytorch_model.safetensors"
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("unet/\(fileName)").path))
        let edited = Dictionary(uniqueKeysWithValues: try testCase.edit().projections.projections.map { ($0.name, $0.weight) })
        var unchanged = 0
        for name in written.tensorNames {
            #expect(written.info(named: name)?.dtype == (fp16 ? .f16 : .f32), "\(name) has dtype \(String(describing: written.info(named: name)?.dtype))")
            let values = try written.tensor(named: name).toArray()
            if let computed = edited[name] {
                let expected = computed.toArray().map { fp16 ? HalfPrecision.float(fromF16: HalfPrecision.f16Bits(from: $0)) : $0 }
                #expect(values == expected, "\(name) is not the computed edit")
            } else {
                #expect(values == (try source.tensor(named: name).toArray()), "\(name) changed")
                unchanged += 1
            }
        }
        #expect(unchanged > 100)
    }

    @Test(arguments: [false, true])
    func adversarialEmbeddingsMatchTheReference(materialized: Bool) throws {
        // RECE's first epoch: the closed-form adversarial embedding against the UCE-edited weights, from the chain's
        // factored Gram sums (W = W₀M) and from the written-out weights.
        let testCase = try #require(try ClosedFormCase.all()["rece-nudity"])
        let fixture = try ClosedFormProjectionsFixture(folder: ErasureFixtures.pipeline(testCase.pipeline))
        let editing = UnifiedConceptEditing(settings: testCase.uceSettings, encoder: fixture.encoder)
        let (concepts, guides) = try editing.encodeConcepts()
        let chain = try ProjectionEditChain(projections: fixture.projections, communicator: .singleProcess())
        try chain.apply(editing.edit(
            pairs: editing.erasePairs(concepts: concepts, guides: guides), preserveGram: editing.preserveGram()).solver())
        if materialized { try chain.materialize() }
        let solver = try AdversarialEmbedding.solver(chain.grams(), regularization: testCase.rece!.reg)
        let adversarial = try AdversarialEmbedding.rows(of: concepts[0].allRows(), solver: solver).toTensor()
        let reference = try SafeTensorsFile.open(ClosedFormCase.file).tensor(named: "rece-nudity.adversarial.0.1")
        let error = Self.relativeError(adversarial, reference)
        #expect(error <= 1e-4, "adversarial embedding differs from the reference by \(error)")
    }

    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(actual.toArray(), expected.toArray()) {
            difference = max(difference, abs(Double(a) - Double(b)))
            reference = max(reference, abs(Double(b)))
        }
        return reference > 0 ? difference / reference : (difference == 0 ? 0 : .infinity)
    }
}
