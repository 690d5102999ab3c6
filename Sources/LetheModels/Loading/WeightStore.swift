import Foundation
import LetheIO
import LetheTensor

/// Hands a model its named weights, each checked against the shape the model's config implies, all in one
/// contiguous parameter arena (one buffer: one allreduce of its gradients, one checkpoint stream) — or, for a
/// checkpoint loaded `.mapped`, float32 weights as read-only views of the file's mapping and only the converted
/// (half-precision) ones in the arena.
///
/// Three sources: a checkpoint (a model asks for every tensor by its diffusers/transformers name, and `finish()`
/// reports tensors nobody asked for, so a config that does not match its weights fails loudly); a layout plan
/// (records names and shapes without memory, to size an arena before building a model); random values (for
/// benchmarks and models trained from scratch) laid out from such a plan.
public final class WeightStore {
    public enum Source {
        case checkpoint(SafeTensorsReader)
        /// A checkpoint's names and shapes checked against the model without reading any tensor data or holding
        /// an arena: a whole model folder is verified in well under a second before a job starts.
        case verifying(SafeTensorsReader)
        case planning
        case random(RandomStream, layout: [(name: String, shape: [Int])])
        /// A model about to be trained from scratch, initialised as PyTorch builds it (see `initialized(seed:build:)`).
        case initialized(RandomStream, layout: [(name: String, shape: [Int])])
    }

    public let source: Source
    /// How a checkpoint's weights are held (`.arena` for every other source).
    public let loading: WeightLoading
    /// The owned parameters, in the order the model asked for them: every parameter, unless the checkpoint was
    /// loaded `.mapped` (then only those converted from another dtype; see `mapped`).
    public let arena: TensorStorage
    /// Names and shapes in request order.
    public private(set) var layout: [(name: String, shape: [Int])] = []
    /// Where each parameter held in `arena` starts in it (mapped parameters have no offset).
    public private(set) var offsets: [String: Int] = [:]
    /// Parameters used in place as the checkpoint's reader hands them out (only with `.mapped` loading): views of
    /// the file's read-only mapping, or the reader's own copy where it had to make one (a misaligned tensor, a
    /// token-embedding table with rows appended). Never written.
    public private(set) var mapped: [String: Tensor] = [:]
    private var used = 0
    private var ignored: Set<String> = []

    public convenience init(checkpoint: SafeTensorsReader, loading: WeightLoading = .arena) {
        self.init(source: .checkpoint(checkpoint), loading: loading)
    }

    public init(source: Source, loading: WeightLoading = .arena) {
        self.source = source
        switch source {
        case .checkpoint(let checkpoint):
            self.loading = loading
            // Mapped loading keeps float32 tensors in the file; only what must be converted needs the arena.
            let total = checkpoint.tensorNames.reduce(0) { total, name in
                guard let info = checkpoint.info(named: name) else { return total }
                return loading == .mapped && info.dtype == .f32 ? total : total + info.elementCount
            }
            arena = TensorStorage(count: total)
        case .planning, .verifying:
            self.loading = .arena
            arena = TensorStorage(count: 1)
        case .random(_, let layout), .initialized(_, let layout):
            self.loading = .arena
            arena = TensorStorage(count: layout.reduce(0) { $0 + $1.shape.reduce(1, *) })
        }
    }

    /// A store of random weights for whatever `build` asks for: planned first, then drawn from `stream` with a
    /// fan-in scale (weights ~ N(0, 1/fan_in), 1-D tensors ~ N(0, 0.04)) so activations stay of order one.
    public static func random<Model>(seed: UInt64, build: (WeightStore) throws -> Model) throws -> (Model, WeightStore) {
        let plan = WeightStore(source: .planning)
        _ = try build(plan)
        let store = WeightStore(source: .random(RandomStream(seed: seed, purpose: "weights", id: 0), layout: plan.layout))
        return (try build(store), store)
    }

    /// A store for a model trained from scratch, with the variances PyTorch's default initialisation gives a freshly
    /// built diffusers or transformers model: normalisation scales 1, biases 0, embedding tables N(0, 0.02²), and
    /// every other weight of fan-in n with variance 1/(3n), as `kaiming_uniform_(a=√5)` has (drawn here from a
    /// normal of that variance). Biases start at 0 rather than PyTorch's small uniform values.
    public static func initialized<Model>(seed: UInt64, build: (WeightStore) throws -> Model) throws -> (Model, WeightStore) {
        let plan = WeightStore(source: .planning)
        _ = try build(plan)
        let stream = RandomStream(seed: seed, purpose: "weights.initial", id: 0)
        let store = WeightStore(source: .initialized(stream, layout: plan.layout))
        return (try build(store), store)
    }

    /// The initial value of a fresh model's parameter `name` (see `initialized(seed:build:)`): a constant, or the
    /// standard deviation of a zero-mean normal.
    static func initialValue(name: String, shape: [Int]) -> (constant: Float?, deviation: Float) {
        let leaf = name.split(separator: ".").suffix(2).joined(separator: ".")
        if name.hasSuffix(".bias") { return (0, 0) }
        if shape.count == 1 {
            // Only normalisation layers have 1-D weights in these models (norm1, norm_out, layer_norm1, group_norm...).
            return (leaf.contains("norm") ? 1 : 0, 0)
        }
        if leaf.contains("embedding") { return (nil, 0.02) }
        let fanIn = shape.dropFirst().reduce(1, *)
        return (nil, 1 / (3 * Float(fanIn)).squareRoot())
    }

    /// The tensor `name`, which must have exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        precondition(offsets[name] == nil && mapped[name] == nil, "weight '\(name)' requested twice")
        let count = shape.reduce(1, *)
        let slot: Tensor
        switch source {
        case .checkpoint(let checkpoint):
            guard let info = checkpoint.info(named: name) else {
                throw ModelLoadingError.missingWeight(checkpoint: checkpoint.location, key: name)
            }
            guard info.shape == shape else {
                throw ModelLoadingError.wrongShape(checkpoint: checkpoint.location, key: name, expected: shape, found: info.shape)
            }
            if loading == .mapped, info.dtype == .f32 {
                // In place from the mapping. A float32 tensor whose data offset in the file is not 4-byte aligned
                // (the format allows any offset) cannot be viewed as floats: the reader then returns an owned copy
                // of it, used here as it is.
                let borrowed = try checkpoint.tensor(named: name)
                guard borrowed.isFinite else { throw ModelLoadingError.nonFiniteWeight(checkpoint: checkpoint.location, key: name) }
                mapped[name] = borrowed
                layout.append((name, shape))
                return borrowed
            }
            slot = Tensor(storage: arena, shape: shape, offset: used)
            // Converted straight into the arena: no temporary tensor per weight.
            try checkpoint.decodeFloat32(named: name, into: slot.pointer, count: count)
            guard slot.isFinite else { throw ModelLoadingError.nonFiniteWeight(checkpoint: checkpoint.location, key: name) }
        case .verifying(let checkpoint):
            guard let info = checkpoint.info(named: name) else {
                throw ModelLoadingError.missingWeight(checkpoint: checkpoint.location, key: name)
            }
            guard info.shape == shape else {
                throw ModelLoadingError.wrongShape(checkpoint: checkpoint.location, key: name, expected: shape, found: info.shape)
            }
            slot = Tensor(storage: arena, shape: shape, strides: [Int](repeating: 0, count: shape.count), offset: 0)
        case .planning:
            // A zero-stride view of one float: a placeholder with the right shape and no memory.
            slot = Tensor(storage: arena, shape: shape, strides: [Int](repeating: 0, count: shape.count), offset: 0)
        case .random(let stream, let layout):
            precondition(layout.count > self.layout.count && layout[self.layout.count].name == name,
                         "random weights requested in a different order than planned")
            slot = Tensor(storage: arena, shape: shape, offset: used)
            stream.fill(normal: slot, startingAt: UInt64(used))
            slot.scaleInPlace(by: shape.count >= 2 ? 1 / Float(count / shape[0]).squareRoot() : 0.2)
        case .initialized(let stream, let layout):
            precondition(layout.count > self.layout.count && layout[self.layout.count].name == name,
                         "initial weights requested in a different order than planned")
            slot = Tensor(storage: arena, shape: shape, offset: used)
            let initial = Self.initialValue(name: name, shape: shape)
            if let constant = initial.constant {
                slot.fill(constant)
            } else {
                stream.fill(normal: slot, startingAt: UInt64(used))
                slot.scaleInPlace(by: initial.deviation)
            }
        }
        offsets[name] = used
        layout.append((name, shape))
        switch source {
        case .planning, .verifying: break
        default: used += count
        }
        return slot
    }

    /// Whether the checkpoint holds `name` (false for planned and random weights): for models that accept more than
    /// one naming of their weights, such as legacy attention names or a `text_model.` prefix.
    public func checkpointHas(_ name: String) -> Bool {
        switch source {
        case .checkpoint(let checkpoint), .verifying(let checkpoint): checkpoint.info(named: name) != nil
        default: false
        }
    }

    /// Accepts `name` in the checkpoint without loading it: buffers that PyTorch saves but that are not weights
    /// (transformers' `position_ids` in older CLIP checkpoints), which transformers ignores too.
    public func ignoreIfPresent(_ name: String) {
        ignored.insert(name)
    }

    /// Checks that the model used every tensor of the checkpoint.
    public func finish() throws {
        let checkpoint: SafeTensorsReader
        switch source {
        case .checkpoint(let reader), .verifying(let reader): checkpoint = reader
        default: return
        }
        let unused = checkpoint.tensorNames.filter { offsets[$0] == nil && mapped[$0] == nil && !ignored.contains($0) }
        guard unused.isEmpty else {
            throw ModelLoadingError.unexpectedWeights(checkpoint: checkpoint.location, keys: unused)
        }
        // Every weight is in the arena now: the file's pages need not stay resident beside it.
        if case .checkpoint = source, loading == .arena { checkpoint.releaseResidentPages() }
    }

    /// Where the weights come from, for messages.
    public var checkpointLocation: String {
        switch source {
        case .checkpoint(let checkpoint), .verifying(let checkpoint): checkpoint.location
        case .planning: "(layout plan)"
        case .random: "(random weights)"
        case .initialized: "(initial weights)"
        }
    }

    /// Number of float32 parameters handed out.
    public var parameterCount: Int { layout.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Whether every parameter lives in the owned, writable arena (false when some are mapped from the file):
    /// what training and in-place edits require.
    public var ownsEveryWeight: Bool { mapped.isEmpty }

    /// The parameter `name` as the model holds it: a view of the arena or of the file's mapping; nil if the model
    /// did not ask for it.
    public func weight(named name: String) -> Tensor? {
        if let tensor = mapped[name] { return tensor }
        guard let offset = offsets[name], let shape = layout.first(where: { $0.name == name })?.shape else { return nil }
        return Tensor(storage: arena, shape: shape, offset: offset)
    }
}

extension WeightStore {
    /// The parameters as named views into the arena, in request order (`names`: only those), each name prefixed
    /// with `prefix` (transformers' `text_model.`): what a component's weights file holds.
    public func namedTensors(prefix: String = "", only names: Set<String>? = nil) -> [(String, Tensor)] {
        layout.compactMap { entry in
            guard names?.contains(entry.name) ?? true else { return nil }
            if let tensor = mapped[entry.name] { return (prefix + entry.name, tensor) }
            guard let offset = offsets[entry.name] else { return nil }
            return (prefix + entry.name, Tensor(storage: arena, shape: entry.shape, offset: offset))
        }
    }

    /// Writes a pipeline component's folder: its config.json text and its weights as `FILE.safetensors` (diffusers'
    /// `diffusion_pytorch_model`, transformers' `model`) in `dtype`.
    public static func writeComponent(config: String, tensors: [(String, Tensor)], to folder: URL, file: String,
                                      dtype: SafeTensorDType = .f32) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFileOutput.write(Array(config.utf8), to: folder.appendingPathComponent("config.json").path)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], dtype: dtype,
                                    to: folder.appendingPathComponent("\(file).safetensors"))
    }
}
