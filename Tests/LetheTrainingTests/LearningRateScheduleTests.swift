import LetheTraining
import Testing

@Suite("Learning-rate schedules against diffusers' get_scheduler")
struct LearningRateScheduleTests {
    struct Settings: Decodable {
        let name: String
        let base_lr: Double
        let warmup: Int
        let total: Int
        let cycles: Int?
        let power: Double?
        let lr_end: Double?
    }

    @Test(arguments: ["constant", "constant_with_warmup", "linear", "linear_no_warmup", "cosine", "cosine_long_warmup",
                      "cosine_with_restarts", "polynomial", "polynomial_end"])
    func ratesMatchLambdaLR(name: String) throws {
        let file = try OptimizerFixtures.file()
        let settings = try OptimizerFixtures.settings("schedule.\(name)", as: Settings.self, in: file)
        let expected = try OptimizerFixtures.doubles("schedule.\(name).lr", in: file)
        let schedule = try LearningRateSchedule(
            name: settings.name, baseLearningRate: settings.base_lr, warmupSteps: settings.warmup,
            totalSteps: settings.total, cycles: settings.cycles ?? 1, power: settings.power ?? 1,
            endLearningRate: settings.lr_end ?? 1e-7)
        #expect(expected.count == 26)
        for (step, rate) in expected.enumerated() {
            let actual = schedule.learningRate(atStep: step)
            #expect(abs(actual - rate) <= 1e-15 * abs(rate), "\(name) step \(step): \(actual) vs \(rate)")
        }
    }

    @Test func warmupRisesLinearlyFromZero() throws {
        let schedule = try LearningRateSchedule(name: "cosine", baseLearningRate: 1e-4, warmupSteps: 4, totalSteps: 10)
        #expect(schedule.learningRate(atStep: 0) == 0)
        #expect(schedule.learningRate(atStep: 2) == 1e-4 * 0.5)
        #expect(schedule.learningRate(atStep: 4) == 1e-4)
    }

    @Test func unknownNameListsTheValidOnes() {
        let error = OptimizationError.unknownSchedule(name: "cosine_annealing", validNames: LearningRateSchedule.Kind.names)
        #expect(throws: error) { try LearningRateSchedule(name: "cosine_annealing", baseLearningRate: 1e-4) }
        #expect(error.description == "There is no learning-rate schedule named 'cosine_annealing'; the schedules are "
            + "'constant', 'constant_with_warmup', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial'.")
    }

    @Test func refusesWhatCannotRun() {
        #expect(throws: OptimizationError.self) {
            try LearningRateSchedule(name: "polynomial", baseLearningRate: 1e-7, warmupSteps: 0, totalSteps: 10)
        }
        #expect(throws: OptimizationError.self) {
            try LearningRateSchedule(name: "polynomial", baseLearningRate: 1e-4, warmupSteps: 10, totalSteps: 10)
        }
        #expect(throws: OptimizationError.self) {
            try LearningRateSchedule(name: "linear", baseLearningRate: 1e-4, warmupSteps: -1, totalSteps: 10)
        }
        #expect(throws: OptimizationError.self) { try LearningRateSchedule(name: "constant", baseLearningRate: -1) }
    }

    struct Scaling: Decodable {
        let lr: Double
        let batch_size: Int
        let accumulation: Int
        let processes: Int
        let scaled: Double
    }

    @Test func scaledLearningRateIsDiffusers() throws {
        let scaling = try OptimizerFixtures.settings("scale_lr", as: Scaling.self, in: OptimizerFixtures.file())
        let scaled = LearningRateSchedule.scaledLearningRate(
            scaling.lr, batchSize: scaling.batch_size, gradientAccumulationSteps: scaling.accumulation,
            processes: scaling.processes)
        #expect(scaled == scaling.scaled)
        #expect(abs(scaled - 9.6e-3) <= 1e-15)
    }
}
