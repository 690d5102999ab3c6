import LetheTensor
import LetheTraining
import LetheWorld
import Testing

@Suite("Training the judge")
struct WorldJudgeTrainingTests {
    @Test("A few steps on one batch lower its loss; a step keeps every weight finite")
    func stepsLowerTheLoss() throws {
        var options = WorldJudgeTrainingOptions()
        options.steps = 20
        options.batchSize = 8
        options.learningRate = 3e-3
        options.warmupSteps = 0
        options.schedule = "constant"
        options.seed = 2
        let training = try WorldJudgeTraining(configuration: tinyJudgeConfiguration, options: options)
        let batch = Array(0..<8)
        let first = try training.step(samples: batch)
        var last = first
        for _ in 1..<options.steps { last = try training.step(samples: batch) }
        #expect(training.stepsTaken == options.steps)
        #expect(last.loss < 0.75 * first.loss, "loss \(first.loss) → \(last.loss)")
        #expect(abs(first.loss - (first.shapeLoss + first.colorLoss + first.artistLoss)) < 1e-9)
        #expect(Tensor(storage: training.judge.parameters, shape: [training.judge.parameterCount]).isFinite)
    }

    @Test("The train loop takes its steps through the data-parallel runner, reporting each")
    func trainLoop() throws {
        var options = WorldJudgeTrainingOptions()
        options.steps = 2
        options.batchSize = 4
        let training = try WorldJudgeTraining(configuration: tinyJudgeConfiguration, options: options)
        var seen: [Int] = []
        let reports = try training.train { step, _ in seen.append(step) }
        #expect(reports.count == 2 && seen == [1, 2])
        #expect(reports.allSatisfy { $0.loss.isFinite && $0.gradientNorm > 0 })
    }

    @Test("Options out of range are refused, naming the setting")
    func badOptions() {
        var options = WorldJudgeTrainingOptions()
        options.steps = 0
        #expect(throws: (any Error).self) { try options.validate() }
        options = WorldJudgeTrainingOptions()
        options.learningRate = -1
        #expect(throws: (any Error).self) { try options.validate() }
        options = WorldJudgeTrainingOptions()
        options.schedule = "sideways"
        #expect(throws: (any Error).self) { try options.validate() }
    }
}
