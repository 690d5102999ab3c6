import LetheTensor

/// An optimizer's named state buffers, each as large as the gradient buffer, and their checked restoring.
struct OptimizerStateBuffers {
    let optimizer: String
    let count: Int
    let storages: [String: TensorStorage]

    /// Zero-filled buffers of `count` floats named `names`.
    init(optimizer: String, names: [String], count: Int) {
        self.optimizer = optimizer
        self.count = count
        storages = Dictionary(uniqueKeysWithValues: names.map { ($0, TensorStorage(count: count)) })
    }

    subscript(name: String) -> UnsafeMutablePointer<Float> { storage(name).base }

    func storage(_ name: String) -> TensorStorage {
        guard let storage = storages[name] else { preconditionFailure("\(optimizer) keeps no '\(name)' state") }
        return storage
    }

    /// Every buffer as a 1-D tensor view.
    var tensors: [String: Tensor] {
        storages.mapValues { Tensor(storage: $0, shape: [count]) }
    }

    /// Copies `state` into the buffers once every name and size has been checked (nothing changes on error).
    func restore(from state: [String: Tensor], stepCount: Int) throws(OptimizationError) {
        guard stepCount >= 0 else { throw .negativeStepCount(optimizer: optimizer, stepCount: stepCount) }
        for name in storages.keys.sorted() {
            guard let tensor = state[name] else { throw .missingState(optimizer: optimizer, name: name) }
            guard tensor.shape == [count] else {
                throw .stateSizeMismatch(optimizer: optimizer, name: name, expected: count, found: tensor.shape)
            }
        }
        if let extra = state.keys.sorted().first(where: { storages[$0] == nil }) {
            throw .unexpectedState(optimizer: optimizer, name: extra)
        }
        for (name, storage) in storages {
            guard let tensor = state[name] else { continue }
            Tensor(storage: storage, shape: [count]).assign(tensor)
        }
    }
}
