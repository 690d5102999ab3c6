import LetheDistributed
import LetheModels
import LetheTensor

/// The key and value projections of every cross-attention (`attn2`) layer of a UNet: the matrices UCE and RECE edit.
///
/// Order as the authors' `projection_matrices`: every layer's `to_v`, then every layer's `to_k`, layers in the
/// order the UNet holds them. Each projection is a view into the UNet's weight arena, so editing it edits the model.
public struct CrossAttentionProjections {
    public enum Kind: String, Sendable, Codable { case key, value }

    public struct Projection {
        /// The diffusers weight name, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight`.
        public let name: String
        public let kind: Kind
        /// [out, hidden]: a view into the weight arena.
        public let weight: Tensor
    }

    public let projections: [Projection]

    /// The projections of a UNet loaded into `store`; `model` names the folder in the error when there are none.
    public init(store: WeightStore, model: String) throws {
        // The edit writes these matrices in place: they must be owned arena memory, not the file's read-only mapping.
        guard store.ownsEveryWeight else { throw TrainingError.mappedWeights(model: model) }
        var values: [Projection] = []
        var keys: [Projection] = []
        for (name, shape) in store.layout where name.contains(".attn2.") && shape.count == 2 {
            let kind: Kind
            if name.hasSuffix(".attn2.to_v.weight") { kind = .value }
            else if name.hasSuffix(".attn2.to_k.weight") { kind = .key }
            else { continue }
            let weight = Tensor(storage: store.arena, shape: shape, offset: store.offsets[name]!)
            (kind == .value ? { values.append($0) } : { keys.append($0) })(Projection(name: name, kind: kind, weight: weight))
        }
        guard !values.isEmpty, values.count == keys.count else { throw ErasureError.noCrossAttention(model: model) }
        projections = values + keys
    }

    /// The width of the text embeddings the projections read (the columns of every matrix).
    public var hiddenSize: Int { projections[0].weight.shape[1] }

    /// Elements of each projection, in order (for gathering edited matrices).
    public var elementCounts: [Int] { projections.map { $0.weight.shape[0] * $0.weight.shape[1] } }

    /// Replaces every projection with `edit(projection)`, each computed by one rank (on one of its threads) and
    /// shared, so every rank ends with the same bits whatever the number of ranks. Non-finite results stop the job.
    public func replaceAll(communicator: Communicator, with edit: (Projection) throws -> Tensor) throws {
        let results: [[Float]] = try communicator.distributedMap(count: projections.count, counts: elementCounts) { index in
            let result = try edit(projections[index])
            guard result.isFinite else { throw ErasureError.nonFinite(stage: "The edit of \(projections[index].name)") }
            return result.toArray()
        }
        for (projection, values) in zip(projections, results) {
            projection.weight.assign(Tensor(shape: projection.weight.shape, values: values))
        }
    }

    /// A float64 copy of every projection, in order: the weights before an edit.
    public func snapshot() throws -> [DoubleMatrix] { try projections.map { try DoubleMatrix($0.weight) } }
}
