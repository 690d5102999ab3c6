import LetheIO
import LetheTensor

/// Hands a model its named weights from a checkpoint, each checked against the shape the model's config implies,
/// all in one contiguous parameter arena (one buffer: one allreduce of its gradients, one checkpoint stream).
///
/// A model asks for every tensor it needs by its diffusers/transformers name; `finish()` then reports tensors the
/// checkpoint holds that nobody asked for, so a config that does not match its weights fails loudly.
public final class WeightStore {
    public let checkpoint: SafeTensorsReader
    /// Every parameter, in the order the model asked for them.
    public let arena: TensorStorage
    public private(set) var names: [String] = []
    public private(set) var offsets: [String: Int] = [:]
    private var used = 0
    private var ignored: Set<String> = []

    public init(checkpoint: SafeTensorsReader) {
        self.checkpoint = checkpoint
        let total = checkpoint.tensorNames.reduce(0) { $0 + (checkpoint.info(named: $1)?.elementCount ?? 0) }
        arena = TensorStorage(count: total)
    }

    /// The tensor `name`, which must have exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let info = checkpoint.info(named: name) else {
            throw ModelLoadingError.missingWeight(checkpoint: checkpoint.location, key: name)
        }
        guard info.shape == shape else {
            throw ModelLoadingError.wrongShape(checkpoint: checkpoint.location, key: name, expected: shape, found: info.shape)
        }
        precondition(offsets[name] == nil, "weight '\(name)' requested twice")
        let loaded = try checkpoint.tensor(named: name)
        let slot = Tensor(storage: arena, shape: shape, offset: used)
        slot.assign(loaded)
        guard slot.isFinite else { throw ModelLoadingError.nonFiniteWeight(checkpoint: checkpoint.location, key: name) }
        offsets[name] = used
        names.append(name)
        used += slot.count
        return slot
    }

    /// Accepts `name` in the checkpoint without loading it: buffers that PyTorch saves but that are not weights
    /// (transformers' `position_ids` in older CLIP checkpoints), which transformers ignores too.
    public func ignoreIfPresent(_ name: String) {
        ignored.insert(name)
    }

    /// Checks that the model used every tensor of the checkpoint.
    public func finish() throws {
        let unused = checkpoint.tensorNames.filter { offsets[$0] == nil && !ignored.contains($0) }
        guard unused.isEmpty else {
            throw ModelLoadingError.unexpectedWeights(checkpoint: checkpoint.location, keys: unused)
        }
    }

    /// Number of float32 parameters handed out.
    public var parameterCount: Int { used }
}
