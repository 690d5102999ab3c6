import LetheTensor

/// The gradient buffer of a model's trained parameters: one contiguous buffer (one allreduce, one optimizer pass)
/// laid out like the parameter arena, holding only what trains.
///
/// Backward passes ask `gradient(for:)` with the parameter tensor they used in the forward pass and accumulate into
/// the view they get back (`+=`); a nil answer means the parameter is frozen and its weight gradient is not computed.
/// Row-selected parameters (token embedding rows) answer `rowGradient(for:)` instead.
public final class ParameterGradients {
    /// One trained parameter: where it lives in the parameter arena and in the gradient buffer.
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let parameterOffset: Int
        public let gradientOffset: Int
        /// The trained rows, or nil when the whole parameter trains; the gradient holds these rows in this order.
        public let rows: [Int]?

        /// Elements of the gradient (the whole parameter, or rows × row width).
        public var count: Int {
            let width = shape.dropFirst().reduce(1, *)
            return rows.map { $0.count * width } ?? shape.reduce(1, *)
        }
    }

    /// One contiguous run of trained values: `count` floats at `parameterOffset` in the arena and at
    /// `gradientOffset` in the gradient buffer (a whole parameter, or one selected row). What optimizers walk.
    public struct Segment: Sendable {
        public let parameterOffset: Int
        public let gradientOffset: Int
        public let count: Int
    }

    public let parameters: TensorStorage
    public let storage: TensorStorage
    public let entries: [Entry]
    public let segments: [Segment]
    private let entryIndex: [Int: Int]

    /// The gradient buffer for the parameters `selection` picks out of `store`. Throws when a pattern matches nothing
    /// or a row selection does not fit its parameter.
    public init(store: WeightStore, selection: ParameterSelection, modelName: String = "the model") throws(TrainingError) {
        var entries: [Entry] = []
        var used = 0
        // Training writes every selected weight in place: only owned arena memory may be written.
        guard store.ownsEveryWeight else { throw .mappedWeights(model: modelName) }
        try selection.validate(against: store.layout, modelName: modelName)
        for (name, shape) in store.layout {
            guard let offset = store.offsets[name] else { continue }
            let rows: [Int]?
            if selection.selectsWhole(name) {
                rows = nil
            } else if let chosen = selection.rows[name] {
                rows = chosen
            } else {
                continue
            }
            let entry = Entry(name: name, shape: shape, parameterOffset: offset, gradientOffset: used, rows: rows)
            entries.append(entry)
            used += entry.count
        }
        guard !entries.isEmpty else { throw .emptySelection(model: modelName) }
        self.entries = entries
        parameters = store.arena
        storage = TensorStorage(count: used)
        entryIndex = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.parameterOffset, $0) })
        segments = entries.flatMap { entry -> [Segment] in
            guard let rows = entry.rows else {
                return [Segment(parameterOffset: entry.parameterOffset, gradientOffset: entry.gradientOffset, count: entry.count)]
            }
            let width = entry.shape.dropFirst().reduce(1, *)
            return rows.enumerated().map { index, row in
                Segment(parameterOffset: entry.parameterOffset + row * width,
                        gradientOffset: entry.gradientOffset + index * width, count: width)
            }
        }
    }

    /// Number of trained values.
    public var count: Int { storage.count }

    /// The whole buffer as one 1-D tensor (for allreduce, clipping and optimizers).
    public var flat: Tensor { Tensor(storage: storage, shape: [storage.count]) }

    /// The gradient of `parameter` (a tensor the model's store handed out), shaped like it, or nil when it is frozen
    /// or only some of its rows train.
    public func gradient(for parameter: Tensor) -> Tensor? {
        guard let entry = entry(for: parameter), entry.rows == nil else { return nil }
        return Tensor(storage: storage, shape: entry.shape, offset: entry.gradientOffset)
    }

    /// For a row-selected parameter: its trained rows and their gradient [rows.count, width…].
    public func rowGradient(for parameter: Tensor) -> (rows: [Int], gradient: Tensor)? {
        guard let entry = entry(for: parameter), let rows = entry.rows else { return nil }
        return (rows, Tensor(storage: storage, shape: [rows.count] + entry.shape.dropFirst(), offset: entry.gradientOffset))
    }

    /// Whether any weight gradient of `parameter` is wanted.
    public func trains(_ parameter: Tensor) -> Bool { entry(for: parameter) != nil }

    /// Whether any parameter of the module at `prefix` (e.g. `down_blocks.0.resnets.0`) trains: a backward pass
    /// skips the gradients that no trained parameter before it needs.
    public func trainsAny(under prefix: String) -> Bool {
        entries.contains { $0.name.hasPrefix(prefix) && $0.name.dropFirst(prefix.count).first == "." }
    }

    /// The gradient of the parameter named `name`, shaped like the parameter (whole) or [rows, width…] (rows).
    public func gradient(named name: String) -> Tensor? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        let shape = entry.rows.map { [$0.count] + entry.shape.dropFirst() } ?? entry.shape
        return Tensor(storage: storage, shape: shape, offset: entry.gradientOffset)
    }

    public func zero() {
        let storage = storage
        BLASThreads.parallel(count: storage.count, block: 1 << 20) { _, range in
            (storage.base + range.lowerBound).update(repeating: 0, count: range.count)
        }
    }

    private func entry(for parameter: Tensor) -> Entry? {
        guard parameter.storage === parameters, let index = entryIndex[parameter.offset] else { return nil }
        return entries[index]
    }
}

extension Optional where Wrapped == Tensor {
    /// The sum of two gradient contributions, nil standing for none; neither operand is modified (a child's
    /// gradient may be a view that something else still reads).
    func adding(_ term: Tensor?) -> Tensor? {
        guard let term else { return self }
        guard let self else { return term }
        return self + term
    }
}
