import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Loading and input errors: each names what is wrong instead of trapping.
@Suite("CLIPTextModel errors")
struct CLIPTextModelErrorTests {
    static func loadingError(_ body: () throws -> Void) -> ModelLoadingError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ModelLoadingError
        }
    }

    static func inputError(_ body: () throws -> Void) -> CLIPTextModelError? {
        do {
            try body()
            return nil
        } catch {
            return error as? CLIPTextModelError
        }
    }

    @Test("a missing weight is named")
    func missingWeight() throws {
        let folder = try CLIPTextFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dropped = "encoder.layers.1.mlp.fc2.bias"
        let checkpoint = try CLIPTextFixtures.rewrittenSD1Checkpoint(in: folder) { $0 == dropped ? nil : $0 }
        let (configuration, _) = try CLIPTextFixtures.sd1Checkpoint()
        let error = Self.loadingError { _ = try CLIPTextModel(configuration: configuration, checkpoint: checkpoint) }
        #expect(error == .missingWeight(checkpoint: checkpoint.location, key: dropped))
    }

    @Test("a weight whose shape does not match the config is named with both shapes")
    func wrongShape() throws {
        var (configuration, checkpoint) = try CLIPTextFixtures.sd1Checkpoint()
        configuration.intermediateSize = 36
        let error = Self.loadingError { _ = try CLIPTextModel(configuration: configuration, checkpoint: checkpoint) }
        #expect(error == .wrongShape(checkpoint: checkpoint.location, key: "encoder.layers.0.mlp.fc1.weight",
                                     expected: [36, 8], found: [37, 8]))
    }

    @Test("tensors the config does not use are listed: an extra layer and a vision tower")
    func unexpectedWeights() throws {
        var (configuration, checkpoint) = try CLIPTextFixtures.sd1Checkpoint()
        configuration.numHiddenLayers = 1
        let error = try #require(Self.loadingError {
            _ = try CLIPTextModel(configuration: configuration, checkpoint: checkpoint)
        })
        let layer1 = checkpoint.tensorNames.filter { $0.hasPrefix("encoder.layers.1.") }
        #expect(layer1.count == 16)
        #expect(error == .unexpectedWeights(checkpoint: checkpoint.location, keys: layer1))

        // A full CLIPModel checkpoint: the text tower under text_model., plus vision tensors.
        let folder = try CLIPTextFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vision = [
            SafeTensorsEntry(name: "logit_scale", tensor: Tensor(shape: [], values: [2.6592])),
            SafeTensorsEntry(name: "text_projection.weight", tensor: Tensor(zeros: [8, 8])),
            SafeTensorsEntry(name: "vision_model.post_layernorm.weight", tensor: Tensor(zeros: [8])),
        ]
        let full = try CLIPTextFixtures.rewrittenSD1Checkpoint(in: folder, extra: vision) { "text_model.\($0)" }
        let (sd1Configuration, _) = try CLIPTextFixtures.sd1Checkpoint()
        let fullError = try #require(Self.loadingError {
            _ = try CLIPTextModel(configuration: sd1Configuration, checkpoint: full)
        })
        #expect(fullError == .unexpectedWeights(
            checkpoint: full.location,
            keys: ["logit_scale", "text_projection.weight", "vision_model.post_layernorm.weight"]))
        #expect(fullError.description.contains("vision_model.post_layernorm.weight"))
    }

    @Test("an unsupported activation in a pipeline's config.json names the file")
    func unsupportedActivation() throws {
        let folder = try CLIPTextFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Fixture.pipeline("sd1-tiny")
        let copy = folder.appendingPathComponent("pipeline")
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("text_encoder"),
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model_index.json"),
                                         to: copy.appendingPathComponent("model_index.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("text_encoder/model.safetensors"),
                                         to: copy.appendingPathComponent("text_encoder/model.safetensors"))
        let configText = try String(contentsOf: source.appendingPathComponent("text_encoder/config.json"), encoding: .utf8)
        let configURL = copy.appendingPathComponent("text_encoder/config.json")
        try configText.replacingOccurrences(of: "\"quick_gelu\"", with: "\"silu\"").write(to: configURL, atomically: true,
                                                                                            encoding: .utf8)
        let error = Self.loadingError { _ = try CLIPTextModel(folder: DiffusersModelFolder(url: copy)) }
        #expect(error == .unsupported(path: configURL.path, key: "hidden_act", value: "\"silu\"",
                                      supported: "quick_gelu, gelu, gelu_new, gelu_pytorch_tanh"))
    }

    @Test("token ids outside the vocabulary are rejected, not trapped on")
    func idOutOfRange() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        var ids = [[Int32]](repeating: [Int32](repeating: 49407, count: 77), count: 2)
        ids[1][5] = 49408
        #expect(Self.inputError { _ = try model.forward(inputIDs: ids) }
                == .tokenIDOutOfRange(id: 49408, row: 1, position: 5, vocabularySize: 49408))
        ids[1][5] = 7
        ids[0][0] = -1
        let error = try #require(Self.inputError { _ = try model.forward(inputIDs: ids) })
        #expect(error == .tokenIDOutOfRange(id: -1, row: 0, position: 0, vocabularySize: 49408))
        #expect(error.description.contains("input_ids[0][0] = -1") && error.description.contains("0..<49408"))
        #expect(Self.inputError { _ = try model.promptEmbeddings(CLIPTextTokenIDs([[Int64(1 << 40)]])) }
                == .tokenIDOutOfRange(id: 1 << 40, row: 0, position: 0, vocabularySize: 49408))
    }

    @Test("malformed inputs: empty, ragged, too long, mask and embeddings shapes, clip_skip")
    func malformedInputs() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        #expect(Self.inputError { _ = try model.forward(inputIDs: [[Int]]()) } == .emptyInput(argument: "input_ids"))
        #expect(Self.inputError { _ = try model.forward(inputIDs: [[Int]()]) } == .emptyInput(argument: "input_ids"))
        #expect(Self.inputError { _ = try model.forward(inputIDs: [[1, 2, 3], [1, 2]]) }
                == .raggedInput(argument: "input_ids", row: 1, length: 2, expected: 3))
        let long = [[Int]](repeating: [Int](repeating: 1, count: 78), count: 1)
        #expect(Self.inputError { _ = try model.forward(inputIDs: long) } == .sequenceTooLong(length: 78, maximum: 77))
        #expect(Self.inputError { _ = try model.forward(inputIDs: [[1, 2, 3]], attentionMask: [[1, 1]]) }
                == .wrongShape(argument: "attention_mask", expected: [1, 3], found: [1, 2]))
        #expect(Self.inputError { _ = try model.forward(tokenEmbeddings: Tensor(zeros: [1, 3, 7])) }
                == .wrongShape(argument: "token embeddings", expected: [-1, -1, 8], found: [1, 3, 7]))
        let ids = try CLIPTextTokenIDs([[1, 2, 3]])
        #expect(Self.inputError {
            _ = try model.forward(tokenEmbeddings: Tensor(zeros: [1, 4, 8]), inputIDs: ids)
        } == .wrongShape(argument: "input_ids", expected: [1, 4], found: [1, 3]))
        #expect(Self.inputError { _ = try model.promptEmbeddings(ids, clipSkip: 2) }
                == .clipSkipOutOfRange(clipSkip: 2, layerCount: 2))
        #expect(Self.inputError { _ = try model.promptEmbeddings(ids, clipSkip: -1) }
                == .clipSkipOutOfRange(clipSkip: -1, layerCount: 2))
        #expect(Self.inputError { _ = try CLIPTextTokenIDs(batch: 2, length: 3, values: [1, 2, 3]) }
                == .wrongShape(argument: "input_ids", expected: [2, 3], found: [3]))
    }
}
