import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// CLIPTextModel's backward pass against torch autograd on the tiny pipelines' text encoders: the loss
/// sum(output · R), gradients with respect to the token embeddings and every parameter.
@Suite("CLIPTextModel backward against torch autograd")
struct CLIPTextBackwardTests {
    static let tokenTable = "embeddings.token_embedding.weight"

    /// A text encoder with the store its parameters live in (what ParameterGradients needs).
    struct Loaded {
        let model: CLIPTextModel
        let store: WeightStore
        let references: SafeTensorsFile
    }

    /// One case of the fixture: ids, optional padding mask and clip_skip, the loss weights R.
    struct Case {
        let name: String
        let ids: CLIPTextTokenIDs
        let mask: [[Int]]?
        let clipSkip: Int?
        let weights: Tensor

        init(_ references: SafeTensorsFile, _ name: String) throws {
            self.name = name
            ids = try CLIPTextFixtures.ids(references, "\(name).input_ids")
            mask = references.info(named: "\(name).attention_mask") == nil ? nil
                : try CLIPTextFixtures.rows(references, "\(name).attention_mask")
            clipSkip = references.info(named: "\(name).clip_skip") == nil ? nil
                : Int(try references.int64Values(named: "\(name).clip_skip")[0])
            weights = try references.tensor(named: "\(name).R")
        }
    }

    static func load(_ pipeline: String) throws -> Loaded {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline(pipeline))
        let configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json"))
        let store = WeightStore(checkpoint: try folder.weights(of: "text_encoder"))
        let model = try CLIPTextModel(configuration: configuration, weights: store)
        try store.finish()
        return Loaded(model: model, store: store, references: try Fixture.references("text-gradients-\(pipeline)"))
    }

    /// Forward from ids with a tape (through `promptEmbeddings` for clip_skip, `forward` otherwise), then backward
    /// with dL/d(output) = R.
    static func run(_ loaded: Loaded, _ testCase: Case, selection: ParameterSelection,
                    hooks: AttentionHooks = AttentionHooks()) throws -> (gradients: ParameterGradients, input: Tensor, output: Tensor) {
        let gradients = try ParameterGradients(store: loaded.store, selection: selection)
        let tape = ActivationTape(hooks: hooks)
        let output = testCase.clipSkip == nil
            ? try loaded.model.forward(testCase.ids, attentionMask: testCase.mask, tape: tape).lastHiddenState
            : try loaded.model.promptEmbeddings(testCase.ids, attentionMask: testCase.mask, clipSkip: testCase.clipSkip,
                                                tape: tape)
        #expect(tape.count > 0)
        let input = loaded.model.backward(testCase.weights, inputIDs: testCase.ids, tape: tape, gradients: gradients)
        #expect(tape.count == 0, "\(testCase.name): the backward pass left \(tape.count) values on the tape")
        #expect(tape.savedElements == 0)
        return (gradients, input, output)
    }

    /// Checks the input gradient and every parameter's gradient against the case's references; the token table's
    /// gradient is compared at the ids used and must be zero elsewhere.
    static func compareAll(_ loaded: Loaded, _ name: String, gradients: ParameterGradients, input: Tensor,
                           comparison: GradientComparison) throws {
        let references = loaded.references
        comparison.check(input, try references.tensor(named: "\(name).grad.inputs_embeds"), "inputs_embeds")
        for (parameter, _) in loaded.store.layout where parameter != tokenTable {
            try comparison.checkParameter(gradients.gradient(named: parameter), parameter, prefix: name,
                                          references: references)
        }
        let table = try #require(gradients.gradient(named: tokenTable))
        let rows = try references.int64Values(named: "\(name).token_rows").map { Int($0) }
        comparison.check(Self.rows(rows, of: table), try references.tensor(named: "\(name).grad.\(tokenTable)"), tokenTable)
        let used = Set(rows), width = table.shape[1]
        let values = table.toArray()
        let stray = (0..<table.shape[0]).filter { !used.contains($0) }.first { row in
            values[(row * width)..<((row + 1) * width)].contains { $0 != 0 }
        }
        #expect(stray == nil, "\(name): token embedding row \(stray ?? -1) has a gradient but no id uses it")
    }

    /// The given rows of a [V, H] tensor, as a new [rows, H] tensor.
    static func rows(_ rows: [Int], of table: Tensor) -> Tensor {
        let width = table.shape[1]
        let values = table.toArray()
        return Tensor(shape: [rows.count, width], values: rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] })
    }

    @Test("every gradient matches torch", arguments: ["sd1-tiny", "sd2-tiny"], ["single", "batch", "masked", "clipskip", "short"])
    func gradientsMatchTorch(pipeline: String, caseName: String) throws {
        let loaded = try Self.load(pipeline)
        let testCase = try Case(loaded.references, caseName)
        let (gradients, input, output) = try Self.run(loaded, testCase, selection: .all)
        let outputError = RelativeError(output, try loaded.references.tensor(named: "\(caseName).output")).value
        #expect(outputError <= 1e-4, "\(pipeline) \(caseName): output max relative error \(outputError)")
        let comparison = GradientComparison("CLIPText backward \(pipeline) \(caseName)")
        try Self.compareAll(loaded, caseName, gradients: gradients, input: input, comparison: comparison)
        comparison.report()
    }

    @Test("a forward pass from token embeddings gives their gradient and leaves the token table alone")
    func fromTokenEmbeddings() throws {
        let loaded = try Self.load("sd2-tiny")
        let testCase = try Case(loaded.references, "batch")
        let gradients = try ParameterGradients(store: loaded.store, selection: .all)
        let tape = ActivationTape()
        let embeddings = try loaded.model.embeddings.tokenEmbeddings(for: testCase.ids)
        let output = try loaded.model.forward(tokenEmbeddings: embeddings, tape: tape).lastHiddenState
        #expect(output.toArray() == (try loaded.model.forward(testCase.ids).lastHiddenState.toArray()))
        let input = loaded.model.backward(testCase.weights, tape: tape, gradients: gradients)
        #expect(tape.count == 0)
        let comparison = GradientComparison("CLIPText backward from embeddings")
        comparison.check(input, try loaded.references.tensor(named: "batch.grad.inputs_embeds"), "inputs_embeds")
        comparison.check(gradients.gradient(named: "embeddings.position_embedding.weight"),
                         try loaded.references.tensor(named: "batch.grad.embeddings.position_embedding.weight"),
                         "position_embedding")
        comparison.report()
        let table = try #require(gradients.gradient(named: Self.tokenTable))
        #expect(table.toArray().allSatisfy { $0 == 0 })
    }

    @Test("training two token rows gives exactly those rows of the full gradient", arguments: ["sd1-tiny", "sd2-tiny"])
    func rowSelectedTokenTraining(pipeline: String) throws {
        let loaded = try Self.load(pipeline)
        let testCase = try Case(loaded.references, "batch")
        let used = try loaded.references.int64Values(named: "batch.token_rows").map { Int($0) }
        // The last id (the EOS, repeated as padding in sd1) and the first, in that order.
        let chosen = [used[used.count - 1], used[0]]
        let full = try Self.run(loaded, testCase, selection: .all)
        let selected = try Self.run(loaded, testCase, selection: ParameterSelection(rows: [Self.tokenTable: chosen]))
        let width = loaded.model.embeddings.hiddenSize
        #expect(selected.gradients.count == 2 * width, "only the two rows train")
        let rows = try #require(selected.gradients.gradient(named: Self.tokenTable))
        #expect(rows.shape == [2, width])
        let expected = Self.rows(chosen, of: try #require(full.gradients.gradient(named: Self.tokenTable)))
        #expect(rows.toArray() == expected.toArray())
        #expect(rows.toArray().contains { $0 != 0 })
        // With every weight frozen the input gradient still flows, unchanged.
        #expect(selected.input.toArray() == full.input.toArray())
    }

    @Test("an attention hook's probability gradient enters the backward pass", arguments: ["sd1-tiny", "sd2-tiny"])
    func hookedProbabilities(pipeline: String) throws {
        let loaded = try Self.load(pipeline)
        let testCase = try Case(loaded.references, "hooked")
        let hook = CLIPTextProbabilityHook(layerGradient: try loaded.references.tensor(named: "hooked.G"))
        let hooks = AttentionHooks()
        hooks.register(hook, on: "layers.0.self_attn")
        let (gradients, input, _) = try Self.run(loaded, testCase, selection: .all, hooks: hooks)
        let heads = loaded.model.configuration.numAttentionHeads
        #expect(hook.captured.map(\.layer) == ["text_model.encoder.layers.0.self_attn"])
        let probabilities = try #require(hook.captured.first?.probabilities)
        #expect(probabilities.shape == [1, heads, 77, 77])
        let values = probabilities.toArray()
        for row in stride(from: 0, to: values.count, by: 77) {
            let query = (row / 77) % 77
            #expect(abs(values[row..<(row + 77)].reduce(0, +) - 1) < 1e-5)
            #expect(values[(row + query + 1)..<(row + 77)].allSatisfy { $0 == 0 }, "causal: no later key")
        }
        let comparison = GradientComparison("CLIPText backward \(pipeline) hooked")
        try Self.compareAll(loaded, "hooked", gradients: gradients, input: input, comparison: comparison)
        comparison.report()
    }

    @Test("a tape that does not record keeps nothing but still calls the hooks; no tape is inference")
    func nonRecordingTape() throws {
        let loaded = try Self.load("sd1-tiny")
        let testCase = try Case(loaded.references, "masked")
        let hook = CLIPTextProbabilityHook(layerGradient: nil)
        let hooks = AttentionHooks()
        hooks.register(hook, on: "self_attn")
        let tape = ActivationTape(recording: false, hooks: hooks)
        let output = try loaded.model.forward(testCase.ids, attentionMask: testCase.mask, tape: tape).lastHiddenState
        #expect(tape.count == 0 && tape.peakSavedElements == 0)
        #expect(hook.captured.map(\.layer) == loaded.model.layers.map { "\($0.name).self_attn" })
        let inference = try loaded.model.forward(testCase.ids, attentionMask: testCase.mask).lastHiddenState
        #expect(output.toArray() == inference.toArray())
    }
}

/// Captures the probabilities of the layers it is registered on and returns a fixed gradient for them.
final class CLIPTextProbabilityHook: AttentionHook {
    let layerGradient: Tensor?
    private(set) var captured: [(layer: String, probabilities: Tensor)] = []

    init(layerGradient: Tensor?) {
        self.layerGradient = layerGradient
    }

    func capture(layer: String, probabilities: Tensor) {
        captured.append((layer, probabilities.copy()))
    }

    func probabilityGradient(layer: String) -> Tensor? { layerGradient }
}
