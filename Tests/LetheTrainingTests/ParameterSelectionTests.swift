import LetheModels
import LetheTensor
import Testing

@Suite("Choosing what trains")
struct ParameterSelectionTests {
    @Test func patternsMatchRunsOfWholeSegments() {
        let name = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"
        #expect(NamePattern("attn2").matches(name))
        #expect(NamePattern("attn2.to_k").matches(name))
        #expect(NamePattern("down_blocks.*.attentions").matches(name))
        #expect(NamePattern("all").matches(name))
        #expect(!NamePattern("attn").matches(name))
        #expect(!NamePattern("attn2.to_v").matches(name))
        #expect(!NamePattern("to_k.attn2").matches(name))
        #expect(!NamePattern("attn1").matches(name))
    }

    /// A small store: two matrices and a vector, laid out in request order.
    private func store() throws -> WeightStore {
        let (_, store) = try WeightStore.random(seed: 1) { store in
            (try store.tensor("embeddings.token_embedding.weight", shape: [5, 3]),
             try store.tensor("layer.attn2.to_k.weight", shape: [2, 3]),
             try store.tensor("layer.norm.bias", shape: [2]))
        }
        return store
    }

    @Test func gradientBufferHoldsOnlyWhatTrains() throws {
        let store = try store()
        let gradients = try ParameterGradients(store: store, selection: ParameterSelection(
            patterns: [NamePattern("attn2")], rows: ["embeddings.token_embedding.weight": [4, 1]]))
        #expect(gradients.count == 2 * 3 + 2 * 3)
        #expect(gradients.entries.map(\.name) == ["embeddings.token_embedding.weight", "layer.attn2.to_k.weight"])
        let key = Tensor(storage: store.arena, shape: [2, 3], offset: try #require(store.offsets["layer.attn2.to_k.weight"]))
        let norm = Tensor(storage: store.arena, shape: [2], offset: try #require(store.offsets["layer.norm.bias"]))
        let embedding = Tensor(storage: store.arena, shape: [5, 3], offset: 0)
        #expect(gradients.gradient(for: key)?.shape == [2, 3])
        #expect(gradients.gradient(for: norm) == nil)
        #expect(gradients.gradient(for: embedding) == nil)
        let rows = try #require(gradients.rowGradient(for: embedding))
        #expect(rows.rows == [4, 1])
        #expect(rows.gradient.shape == [2, 3])
        // Segments: one per selected row (at that row of the arena), then the whole key matrix.
        #expect(gradients.segments.map(\.parameterOffset) == [12, 3, try #require(store.offsets["layer.attn2.to_k.weight"])])
        #expect(gradients.segments.map(\.gradientOffset) == [0, 3, 6])
        #expect(gradients.segments.map(\.count) == [3, 3, 6])
    }

    @Test func badSelectionsAreNamed() throws {
        let store = try store()
        #expect(throws: TrainingError.patternMatchesNothing(pattern: "attn1", model: "the UNet")) {
            try ParameterGradients(store: store, selection: ParameterSelection(["attn1"]), modelName: "the UNet")
        }
        #expect(throws: TrainingError.rowOutOfRange(name: "embeddings.token_embedding.weight", row: 5, rows: 5)) {
            try ParameterGradients(store: store, selection: ParameterSelection(rows: ["embeddings.token_embedding.weight": [5]]))
        }
        #expect(throws: TrainingError.rowsOfNonMatrix(name: "layer.norm.bias", shape: [2])) {
            try ParameterGradients(store: store, selection: ParameterSelection(rows: ["layer.norm.bias": [0]]))
        }
        #expect(throws: TrainingError.emptySelection(model: "the model")) {
            try ParameterGradients(store: store, selection: .none)
        }
    }
}
