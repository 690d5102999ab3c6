import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

@Suite("AdamW against torch.optim.AdamW")
struct AdamWTests {
    struct Settings: Decodable {
        let lr: [Double]
        let betas: [Double]
        let eps: Double
        let weight_decay: Double
    }

    private func reference(_ name: String) throws -> (OptimizerReferenceRun, AdamW) {
        let settings = try OptimizerFixtures.settings(name, as: Settings.self, in: OptimizerFixtures.file())
        let run = try OptimizerReferenceRun(name, learningRates: settings.lr)
        let optimizer = try AdamW(for: run.gradients, beta1: settings.betas[0], beta2: settings.betas[1],
                                  epsilon: settings.eps, weightDecay: settings.weight_decay)
        return (run, optimizer)
    }

    /// Six steps in a row. torch's float32 square root (MKL's, not correctly rounded) is off by an ulp now and then;
    /// those ulps carry over from step to step, so this checks the relative bound.
    @Test(arguments: ["adamw.default", "adamw.custom", "adamw.low_beta"])
    func matchesTorchEveryStep(name: String) throws {
        let (run, optimizer) = try reference(name)
        let distance = try run.run(optimizer)
        #expect(distance.value <= 1e-6, "\(name): \(distance)")
        #expect(optimizer.stepCount == 6)
        for key in ["exp_avg", "exp_avg_sq"] {
            let state = try run.stateDistance(optimizer, key: key)
            #expect(state.value <= 1e-6, "\(name) \(key): \(state)")
        }
    }

    /// One step from torch's own parameters and state: the moments agree bit for bit, and the parameters to the ulp
    /// torch's square root may differ by.
    @Test(arguments: ["adamw.default", "adamw.custom", "adamw.low_beta"])
    func eachStepFromTorchsStateMatchesToTheUlp(name: String) throws {
        let (run, optimizer) = try reference(name)
        let keys = ["exp_avg", "exp_avg_sq"]
        for step in 0..<run.learningRates.count {
            if step == 0 {
                try optimizer.restore(state: Dictionary(uniqueKeysWithValues: keys.map { ($0, Tensor(zeros: [run.gradients.count])) }),
                                      stepCount: 0)
            } else {
                try run.setParameters(toStep: step - 1)
                try optimizer.restore(state: run.torchState(keys: keys, afterStep: step - 1), stepCount: step)
            }
            let distance = try run.run(optimizer, steps: step..<(step + 1))
            #expect(distance.maxUlps <= 1, "\(name) step \(step): \(distance)")
            for key in keys {
                let state = try run.stateDistance(optimizer, key: key, afterStep: step)
                #expect(state.maxUlps == 0, "\(name) step \(step) \(key): \(state)")
            }
        }
    }

    @Test func defaultsAreTorchs() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        let optimizer = try AdamW(for: gradients)
        #expect(AdamW.defaultLearningRate == 1e-3)
        #expect(optimizer.beta1 == 0.9 && optimizer.beta2 == 0.999)
        #expect(optimizer.epsilon == 1e-8 && optimizer.weightDecay == 1e-2)
        #expect(Set(optimizer.state.keys) == ["exp_avg", "exp_avg_sq"])
    }

    /// Only the selected embedding rows move; the other rows and the frozen parameter keep their bits.
    @Test func onlySelectedRowsAndParametersChange() throws {
        let (run, optimizer) = try reference("adamw.custom")
        _ = try run.run(optimizer)
        let initialEmbedding = try run.file.tensor(named: "initial.\(OptimizerFixtures.embedding)")
        let embedding = try OptimizerFixtures.parameter(OptimizerFixtures.embedding, of: run.store)
        for row in 0..<7 {
            let distance = RelativeError(embedding[index: row], initialEmbedding[index: row])
            if [5, 2].contains(row) {
                #expect(distance.maxUlps > 1000, "trained row \(row) did not move: \(distance)")
            } else {
                #expect(distance.maxUlps == 0, "untrained row \(row) changed: \(distance)")
            }
        }
        let frozen = try OptimizerFixtures.parameter("block.frozen.weight", of: run.store)
        #expect(RelativeError(frozen, try run.file.tensor(named: "initial.block.frozen.weight")).maxUlps == 0)
    }

    /// Saving the state after 3 steps and restoring it into a new optimizer continues exactly as one run.
    @Test func restoredStateContinuesTheRun() throws {
        let (whole, uninterrupted) = try reference("adamw.custom")
        _ = try whole.run(uninterrupted)

        let (split, first) = try reference("adamw.custom")
        _ = try split.run(first, steps: 0..<3)
        let saved = first.state.mapValues { $0.copy() }
        let second = try AdamW(for: split.gradients, beta1: first.beta1, beta2: first.beta2,
                               epsilon: first.epsilon, weightDecay: first.weightDecay)
        try second.restore(state: saved, stepCount: first.stepCount)
        let distance = try split.run(second, steps: 3..<6)
        #expect(distance.value <= 1e-6, "\(distance)")
        #expect(second.stepCount == 6)
        for (parameter, _) in OptimizerFixtures.layout {
            let continued = try OptimizerFixtures.parameter(parameter, of: split.store)
            #expect(RelativeError(continued, try OptimizerFixtures.parameter(parameter, of: whole.store)).maxUlps == 0)
        }
    }

    @Test func refusesWhatTorchRefuses() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        #expect(throws: OptimizationError.invalidHyperparameter(optimizer: "AdamW", name: "beta2", value: 1,
                                                                 expected: "in [0, 1)")) {
            try AdamW(for: gradients, beta2: 1)
        }
        #expect(throws: OptimizationError.invalidHyperparameter(optimizer: "AdamW", name: "epsilon", value: -1e-8,
                                                                 expected: "finite and ≥ 0")) {
            try AdamW(for: gradients, epsilon: -1e-8)
        }
        #expect(throws: OptimizationError.self) { try AdamW(for: gradients, weightDecay: .nan) }
    }

    @Test func restoreChecksNamesAndSizes() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        let optimizer = try AdamW(for: gradients)
        let good = optimizer.state.mapValues { $0.copy() }
        let count = gradients.count
        #expect(throws: OptimizationError.missingState(optimizer: "AdamW", name: "exp_avg_sq")) {
            try optimizer.restore(state: ["exp_avg": Tensor(zeros: [count])], stepCount: 1)
        }
        #expect(throws: OptimizationError.stateSizeMismatch(optimizer: "AdamW", name: "exp_avg", expected: count,
                                                             found: [count - 1])) {
            try optimizer.restore(state: good.merging(["exp_avg": Tensor(zeros: [count - 1])]) { $1 }, stepCount: 1)
        }
        #expect(throws: OptimizationError.unexpectedState(optimizer: "AdamW", name: "momentum_buffer")) {
            try optimizer.restore(state: good.merging(["momentum_buffer": Tensor(zeros: [count])]) { $1 }, stepCount: 1)
        }
        #expect(throws: OptimizationError.negativeStepCount(optimizer: "AdamW", stepCount: -1)) {
            try optimizer.restore(state: good, stepCount: -1)
        }
        #expect(optimizer.stepCount == 0)
        let message = OptimizationError.stateSizeMismatch(optimizer: "AdamW", name: "exp_avg", expected: 203, found: [7]).description
        #expect(message.contains("exp_avg") && message.contains("[203]") && message.contains("[7]"))
    }
}
