import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// CLIPTextModel against transformers 5.23 outputs of the committed tiny text encoders.
@Suite("CLIPTextModel reference outputs")
struct CLIPTextModelReferenceTests {
    @Test("last_hidden_state of the tiny SD pipelines", arguments: ["sd1-tiny", "sd2-tiny"])
    func lastHiddenState(pipeline: String) throws {
        let model = try CLIPTextFixtures.model(pipeline)
        let references = try Fixture.references(pipeline)
        let ids = try CLIPTextFixtures.ids(references, "text.input_ids")
        let output = try model.forward(ids)
        CLIPTextFixtures.expectClose(output.lastHiddenState, try references.tensor(named: "text.last_hidden_state"),
                                     "\(pipeline) last_hidden_state")
        let prompt = try model.promptEmbeddings(ids)
        #expect(prompt.toArray() == output.lastHiddenState.toArray())
    }

    @Test("pooled output and the hidden states of every layer")
    func pooledAndHiddenStates() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        let references = try Fixture.references("clip-text-extras")
        let ids = try CLIPTextFixtures.ids(references, "input_ids")
        let output = try model.forward(ids, outputHiddenStates: true)
        CLIPTextFixtures.expectClose(output.lastHiddenState, try references.tensor(named: "last_hidden_state"),
                                     "extras last_hidden_state")
        let pooled = try #require(output.pooledOutput)
        CLIPTextFixtures.expectClose(pooled, try references.tensor(named: "pooled_output"), "pooled_output")
        let states = try #require(output.hiddenStates)
        #expect(states.count == model.layers.count + 1)
        for (index, state) in states.enumerated() {
            CLIPTextFixtures.expectClose(state, try references.tensor(named: "hidden_states.\(index)"),
                                         "hidden_states.\(index)")
        }
    }

    @Test("clip_skip=1 is the pre-final layer through final_layer_norm")
    func clipSkip() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        let references = try Fixture.references("clip-text-extras")
        let ids = try CLIPTextFixtures.ids(references, "input_ids")
        CLIPTextFixtures.expectClose(try model.promptEmbeddings(ids, clipSkip: 1),
                                     try references.tensor(named: "clip_skip1"), "clip_skip1")
        CLIPTextFixtures.expectClose(try model.promptEmbeddings(ids, clipSkip: 0),
                                     try references.tensor(named: "last_hidden_state"), "clip_skip0")
    }

    @Test("padding attention masks, including query rows that see no key")
    func attentionMasks() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        let references = try Fixture.references("clip-text-extras")
        let ids = try CLIPTextFixtures.ids(references, "input_ids")
        for (mask, expected) in [("attention_mask", "masked"), ("left_mask", "left_masked")] {
            let rows = try CLIPTextFixtures.rows(references, mask)
            #expect(rows.contains { $0.contains(0) }, "\(mask) masks something")
            let output = try model.forward(ids, attentionMask: rows)
            CLIPTextFixtures.expectClose(output.lastHiddenState,
                                         try references.tensor(named: "\(expected).last_hidden_state"), mask)
            let prompt = try model.promptEmbeddings(ids, attentionMask: rows)
            #expect(prompt.toArray() == output.lastHiddenState.toArray())
        }
        // An all-ones mask is the causal mask alone.
        let ones = [[Int]](repeating: [Int](repeating: 1, count: ids.length), count: ids.batch)
        #expect(try model.forward(ids, attentionMask: ones).lastHiddenState.toArray()
                == model.forward(ids).lastHiddenState.toArray())
    }

    @Test("a sequence shorter than max_position_embeddings")
    func shortSequence() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        let references = try Fixture.references("clip-text-extras")
        let ids = try CLIPTextFixtures.ids(references, "short.input_ids")
        #expect(ids.length == 20)
        CLIPTextFixtures.expectClose(try model.forward(ids).lastHiddenState,
                                     try references.tensor(named: "short.last_hidden_state"), "short")
    }

    @Test("pooled positions: first EOS, none (position 0), and the legacy argmax when eos_token_id is 2")
    func pooledPositions() throws {
        let references = try Fixture.references("clip-text-extras")
        let ids = try CLIPTextFixtures.ids(references, "crafted.input_ids")
        let (configuration, checkpoint) = try CLIPTextFixtures.sd1Checkpoint()
        let model = try CLIPTextModel(configuration: configuration, checkpoint: checkpoint)
        #expect(model.pooledPositions(ids) == [0, 3])
        CLIPTextFixtures.expectClose(try #require(try model.forward(ids).pooledOutput),
                                     try references.tensor(named: "crafted.pooled_output"), "crafted pooled")

        var legacy = configuration
        legacy.eosTokenID = 2
        let legacyModel = try CLIPTextModel(configuration: legacy, checkpoint: checkpoint)
        #expect(legacyModel.pooledPositions(ids) == [5, 3])
        CLIPTextFixtures.expectClose(try #require(try legacyModel.forward(ids).pooledOutput),
                                     try references.tensor(named: "crafted.legacy_pooled_output"), "legacy pooled")

        var noEOS = configuration
        noEOS.eosTokenID = nil
        #expect(try CLIPTextModel(configuration: noEOS, checkpoint: checkpoint).forward(ids).pooledOutput == nil)
    }

    @Test("token embeddings with a textual-inversion row replaced")
    func tokenEmbeddingsInput() throws {
        let model = try CLIPTextFixtures.model("sd1-tiny")
        let references = try Fixture.references("clip-text-extras")
        let inversionIDs = try CLIPTextFixtures.ids(references, "inversion.input_ids")
        let newToken = model.configuration.vocabSize
        let position = try #require(inversionIDs.values.firstIndex(of: newToken))
        // Look up an ordinary token in its place, then overwrite its row with the learned vector.
        var lookup = inversionIDs.values
        lookup[position] = 0
        let embeddings = try model.embeddings.tokenEmbeddings(
            for: CLIPTextTokenIDs(batch: 1, length: inversionIDs.length, values: lookup))
        let vector = try references.tensor(named: "inversion.vector")
        embeddings.selecting(axis: 0, index: 0).selecting(axis: 0, index: position).assign(vector)
        let output = try model.forward(tokenEmbeddings: embeddings, inputIDs: inversionIDs)
        CLIPTextFixtures.expectClose(output.lastHiddenState,
                                     try references.tensor(named: "inversion.last_hidden_state"), "inversion")
        #expect(output.pooledOutput != nil)
        let prompt = try model.promptEmbeddings(tokenEmbeddings: embeddings)
        #expect(prompt.toArray() == output.lastHiddenState.toArray())
    }

    @Test("checkpoints with the text_model. prefix and a position_ids buffer load the same weights")
    func prefixedCheckpoint() throws {
        let folder = try CLIPTextFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let positionIDs = (0..<77).flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) }
        let checkpoint = try CLIPTextFixtures.rewrittenSD1Checkpoint(
            in: folder,
            extra: [SafeTensorsEntry(name: "text_model.embeddings.position_ids", dtype: .i64, shape: [1, 77],
                                     bytes: positionIDs)],
            rename: { "text_model.\($0)" })
        #expect(checkpoint.tensorNames.allSatisfy { $0.hasPrefix("text_model.") })
        let (configuration, _) = try CLIPTextFixtures.sd1Checkpoint()
        let model = try CLIPTextModel(configuration: configuration, checkpoint: checkpoint)
        let references = try Fixture.references("sd1-tiny")
        let ids = try CLIPTextFixtures.ids(references, "text.input_ids")
        CLIPTextFixtures.expectClose(try model.forward(ids).lastHiddenState,
                                     try references.tensor(named: "text.last_hidden_state"), "prefixed checkpoint")
    }

    @Test("attention layers carry transformers' module names")
    func layerNames() throws {
        let model = try CLIPTextFixtures.model("sd2-tiny")
        #expect(model.attentionLayers.map(\.name)
                == ["text_model.encoder.layers.0.self_attn", "text_model.encoder.layers.1.self_attn"])
        #expect(model.layers.map(\.name) == ["text_model.encoder.layers.0", "text_model.encoder.layers.1"])
        #expect(model.attentionLayers.allSatisfy { $0.heads == 4 && $0.headDimension == 4 && $0.scale == 0.5 })
    }
}
