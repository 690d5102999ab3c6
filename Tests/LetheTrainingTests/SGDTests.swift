import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

@Suite("SGD against torch.optim.SGD")
struct SGDTests {
    struct Settings: Decodable {
        let lr: [Double]
        let momentum: Double
        let dampening: Double
        let nesterov: Bool
        let weight_decay: Double
    }

    private func reference(_ name: String) throws -> (OptimizerReferenceRun, SGD, Settings) {
        let settings = try OptimizerFixtures.settings(name, as: Settings.self, in: OptimizerFixtures.file())
        let run = try OptimizerReferenceRun(name, learningRates: settings.lr)
        let optimizer = try SGD(for: run.gradients, momentum: settings.momentum, dampening: settings.dampening,
                                nesterov: settings.nesterov, weightDecay: settings.weight_decay)
        return (run, optimizer, settings)
    }

    /// No square root here: every operation is torch's, so every bit should agree.
    @Test(arguments: ["sgd.plain", "sgd.momentum", "sgd.nesterov", "sgd.dampened"])
    func matchesTorchEveryStep(name: String) throws {
        let (run, optimizer, settings) = try reference(name)
        let distance = try run.run(optimizer)
        #expect(distance.maxUlps == 0, "\(name): \(distance)")
        #expect(distance.value <= 1e-6, "\(name): \(distance)")
        if settings.momentum != 0 {
            let state = try run.stateDistance(optimizer, key: "momentum_buffer")
            #expect(state.maxUlps == 0, "\(name) momentum buffer: \(state)")
        } else {
            #expect(optimizer.state.isEmpty)
        }
    }

    /// torch starts the momentum buffer as a copy of the first gradient (not dampened, not scaled).
    @Test func firstMomentumBufferIsTheGradient() throws {
        let (run, _, _) = try reference("sgd.dampened")
        let optimizer = try SGD(for: run.gradients, momentum: 0.8, dampening: 0.3)
        try OptimizerFixtures.loadGradients("gradient0", into: run.gradients, from: run.file)
        optimizer.step(gradients: run.gradients, learningRate: 0.01)
        let buffer = try #require(optimizer.state["momentum_buffer"])
        #expect(buffer.toArray() == run.gradients.flat.toArray())
    }

    /// Weight decay and momentum work on a copy: the gradient buffer is read, never written.
    @Test func leavesGradientsUnchanged() throws {
        let (run, optimizer, _) = try reference("sgd.nesterov")
        try OptimizerFixtures.loadGradients("gradient0", into: run.gradients, from: run.file)
        let before = run.gradients.flat.toArray()
        optimizer.step(gradients: run.gradients, learningRate: 0.05)
        optimizer.step(gradients: run.gradients, learningRate: 0.05)
        #expect(run.gradients.flat.toArray() == before)
    }

    /// torch's `param.add_(d, alpha: -lr)` is a fused multiply-add: one rounding. Here p − lr·d lies just below the
    /// midpoint between two floats, and a sum rounded to double first would land on the midpoint and round up.
    @Test func updateIsRoundedOnce() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        let start: Float = 1 + 0x1p-23
        let direction = -(1 + 0x1p-15) as Float
        let learningRate = 0x1p-24 - 0x1p-39  // lr·|d| = 2⁻²⁴ − 2⁻⁵⁴: half an ulp of 1 less a hair
        gradients.zero()
        let segment = gradients.segments[1]
        gradients.parameters.base[segment.parameterOffset] = start
        gradients.storage.base[segment.gradientOffset] = direction
        try SGD(for: gradients).step(gradients: gradients, learningRate: learningRate)
        #expect(gradients.parameters.base[segment.parameterOffset] == start)
    }

    @Test func refusesWhatTorchRefuses() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        #expect(throws: OptimizationError.nesterovNeedsMomentumWithoutDampening(momentum: 0, dampening: 0)) {
            try SGD(for: gradients, nesterov: true)
        }
        #expect(throws: OptimizationError.nesterovNeedsMomentumWithoutDampening(momentum: 0.9, dampening: 0.1)) {
            try SGD(for: gradients, momentum: 0.9, dampening: 0.1, nesterov: true)
        }
        #expect(throws: OptimizationError.invalidHyperparameter(optimizer: "SGD", name: "momentum", value: -0.5,
                                                                 expected: "finite and ≥ 0")) {
            try SGD(for: gradients, momentum: -0.5)
        }
        #expect(throws: OptimizationError.self) { try SGD(for: gradients, weightDecay: -1) }
    }
}
