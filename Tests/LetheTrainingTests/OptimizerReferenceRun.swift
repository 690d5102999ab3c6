import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// Runs an optimizer over the fixture's gradient sequence and measures every step's parameters (all of them, the
/// frozen ones and untrained embedding rows included) against torch's.
struct OptimizerReferenceRun {
    let file: SafeTensorsFile
    let store: WeightStore
    let gradients: ParameterGradients
    /// The case's name in the fixture ("adamw.default").
    let name: String
    let learningRates: [Double]

    init(_ name: String, learningRates: [Double]) throws {
        file = try OptimizerFixtures.file()
        (store, gradients) = try OptimizerFixtures.gradients(file)
        self.name = name
        self.learningRates = learningRates
    }

    /// Steps `optimizer` through fixture steps `steps`, returning the distance to torch over all parameters.
    func run(_ optimizer: any Optimizer, steps: Range<Int>? = nil) throws -> RelativeError {
        var distance = RelativeError()
        for step in steps ?? 0..<learningRates.count {
            try OptimizerFixtures.loadGradients("gradient\(step)", into: gradients, from: file)
            optimizer.step(gradients: gradients, learningRate: learningRates[step])
            for (parameter, _) in OptimizerFixtures.layout {
                let expected = try file.tensor(named: "\(name).step\(step).\(parameter)")
                distance.merge(RelativeError(try OptimizerFixtures.parameter(parameter, of: store), expected))
            }
        }
        return distance
    }

    /// The distance of the optimizer's state buffer `key` to torch's per-parameter state after fixture step `step`.
    func stateDistance(_ optimizer: any Optimizer, key: String, afterStep step: Int = 5) throws -> RelativeError {
        let buffer = try #require(optimizer.state[key])
        #expect(buffer.shape == [gradients.count])
        var distance = RelativeError()
        for entry in gradients.entries {
            let expected = try file.tensor(named: "\(name).step\(step).\(key).\(entry.name)")
            let actual = Tensor(storage: buffer.storage, shape: expected.shape, offset: buffer.offset + entry.gradientOffset)
            distance.merge(RelativeError(actual, expected))
        }
        return distance
    }

    /// torch's state after fixture step `step`, gathered into buffers laid out like the gradient buffer.
    func torchState(keys: [String], afterStep step: Int) throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for key in keys {
            let buffer = Tensor(zeros: [gradients.count])
            for entry in gradients.entries {
                let value = try file.tensor(named: "\(name).step\(step).\(key).\(entry.name)")
                Tensor(storage: buffer.storage, shape: value.shape, offset: entry.gradientOffset).assign(value)
            }
            state[key] = buffer
        }
        return state
    }

    /// Sets every parameter to torch's values after fixture step `step`.
    func setParameters(toStep step: Int) throws {
        for (parameter, _) in OptimizerFixtures.layout {
            try OptimizerFixtures.parameter(parameter, of: store).assign(try file.tensor(named: "\(name).step\(step).\(parameter)"))
        }
    }
}
