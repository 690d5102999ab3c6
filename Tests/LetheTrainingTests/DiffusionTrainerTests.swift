import Foundation
import LetheDiffusion
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// Two AdamW steps of the diffusion objective against Scripts/reference/make_training_step_fixtures.py (diffusers'
/// training-example loop in PyTorch on the tiny fixture UNets), and a short run that lowers the loss.
@Suite("Diffusion training step")
struct DiffusionTrainerTests {

    struct Case {
        let name: String
        let variant: String?
        let train: [String]
        let learningRate: Double
        let beta1: Double, beta2: Double, weightDecay: Double
        let maxGradientNorm: Double
    }

    static let cases = [
        Case(name: "sd1-tiny", variant: nil, train: ["all"], learningRate: 1e-3, beta1: 0.9, beta2: 0.999,
             weightDecay: 1e-2, maxGradientNorm: 0.05),
        Case(name: "sd2-tiny", variant: "fp16", train: ["attn2"], learningRate: 5e-4, beta1: 0.8, beta2: 0.99,
             weightDecay: 0, maxGradientNorm: 10),
    ]

    /// The UNet of a fixture pipeline with its weight store, and the objective of its scheduler config read as DDPM.
    static func load(_ name: String, variant: String?) throws -> (UNet2DConditionModel, WeightStore, DiffusionObjective) {
        let url = Fixture.pipeline(name)
        let folder = try DiffusersModelFolder(url: url, variant: variant)
        let (unet, store) = try UNet2DConditionModel.loadWithWeights(from: folder)
        let configuration = try SchedulerConfiguration(folder: folder)
        let scheduler = try DDPMScheduler(configuration: configuration)
        return (unet, store, DiffusionObjective(scheduler: scheduler))
    }

    @Test(arguments: cases.map(\.name))
    func twoAdamWStepsMatchPyTorch(_ name: String) throws {
        let spec = try #require(Self.cases.first { $0.name == name })
        let (unet, store, objective) = try Self.load(name, variant: spec.variant)
        let reference = try Fixture.references("training-step-\(name)")
        let gradients = try ParameterGradients(store: store, selection: ParameterSelection(spec.train), modelName: "the UNet")
        let optimizer = try AdamW(for: gradients, beta1: spec.beta1, beta2: spec.beta2, weightDecay: spec.weightDecay)
        let schedule = try LearningRateSchedule(name: "constant", baseLearningRate: spec.learningRate, warmupSteps: 0, totalSteps: 2)
        let trainer = DiffusionTrainer(gradients: gradients, optimizer: optimizer,
                                       schedule: schedule, maxGradientNorm: spec.maxGradientNorm)
        let losses = try reference.tensor(named: "loss").toArray()
        let norms = try reference.tensor(named: "grad_norm").toArray()
        for step in 0..<2 {
            let batch = DiffusionTrainingBatch(
                latents: try reference.tensor(named: "batch.\(step).latents"),
                noise: try reference.tensor(named: "batch.\(step).noise"),
                timesteps: try reference.int64Values(named: "batch.\(step).timesteps").map { Int($0) },
                encoderHiddenStates: try reference.tensor(named: "batch.\(step).encoder_hidden_states"))
            let report = try trainer.step(batch, unet: unet, objective: objective)
            #expect(Swift.abs(report.loss - Double(losses[step])) <= 1e-5 * Double(losses[step]), "step \(step) loss")
            #expect(Swift.abs(report.gradientNorm - Double(norms[step])) <= 1e-4 * Double(norms[step]), "step \(step) norm")
        }
        var worst = 0.0
        for entry in gradients.entries {
            let updated = Tensor(storage: store.arena, shape: entry.shape, offset: entry.parameterOffset)
            let error = RelativeError(updated, try reference.tensor(named: "updated.\(entry.name)")).value
            worst = Swift.max(worst, error)
            #expect(error <= 1e-4, "\(entry.name): relative error \(error)")
        }
        // Frozen parameters are not in the reference (only trained ones are): they must keep their loaded values.
        let trained = Set(gradients.entries.map(\.name))
        #expect(trained.count == reference.tensorNames.filter { $0.hasPrefix("updated.") }.count)
        print("\(name): worst relative error of the updated weights \(worst)")
    }

    /// Min-SNR-γ (diffusers' `--snr_gamma`): the weights against min(SNR, γ)/SNR (epsilon) and min(SNR, γ)/(SNR + 1)
    /// (v_prediction) with SNR from the schedule's float32 ᾱ as diffusers' compute_snr takes it, and the weighted loss and its gradient
    /// against the definition, mean over the batch of w_b · mean((a − b)²), element by element.
    @Test func minSNRGammaWeightsEachSampleAsDiffusersDoes() throws {
        let schedule = NoiseSchedule(numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, schedule: .scaledLinear)
        let timesteps = [0, 10, 120, 400, 999]
        // diffusers' compute_snr reads the scheduler's float32 alphas_cumprod; at t = 0, 1 − ᾱ is 8.5e-4, so the
        // float32 rounding of ᾱ moves the SNR by about 3e-5 relative: the reference starts from the same ᾱ.
        let alphaBar = schedule.alphasCumprod.map(Double.init)
        for (type, denominator) in [(PredictionType.epsilon, 0.0), (.vPrediction, 1.0)] {
            let weights = DiffusionObjective(noiseSchedule: schedule, predictionType: type, snrGamma: 5).lossWeights(timesteps: timesteps)
            for (t, weight) in zip(timesteps, weights) {
                let snr = alphaBar[t] / (1 - alphaBar[t])
                let expected = Swift.min(snr, 5) / (snr + denominator)
                #expect(Swift.abs(weight - expected) <= 1e-12 * expected, "\(type) t=\(t): \(weight) vs \(expected)")
            }
        }
        // Early timesteps (SNR far above γ) are down-weighted; the noisiest keep weight 1 for epsilon.
        let epsilonWeights = DiffusionObjective(noiseSchedule: schedule, predictionType: .epsilon, snrGamma: 5).lossWeights(timesteps: timesteps)
        #expect(epsilonWeights[0] < 0.01 && epsilonWeights[4] == 1)
        #expect(DiffusionObjective(noiseSchedule: schedule, predictionType: .epsilon).lossWeights(timesteps: timesteps) == [1, 1, 1, 1, 1])

        let (batch, rowLength) = (3, 4)
        let a = (0..<(batch * rowLength)).map { Float(sin(Double($0) * 1.3)) }
        let b = (0..<(batch * rowLength)).map { Float(cos(Double($0) * 0.7)) }
        let sampleWeights = [0.25, 1, 3]
        let (loss, gradient) = DiffusionObjective.meanSquaredError(
            Tensor(shape: [batch, rowLength], values: a), Tensor(shape: [batch, rowLength], values: b), sampleWeights: sampleWeights)
        var expectedLoss = 0.0
        let gradientValues = gradient.toArray()
        for row in 0..<batch {
            var rowMean = 0.0
            for column in 0..<rowLength {
                let index = row * rowLength + column
                let difference = Double(a[index]) - Double(b[index])
                rowMean += difference * difference / Double(rowLength)
                let expected = 2 * sampleWeights[row] * difference / Double(batch * rowLength)
                #expect(Swift.abs(Double(gradientValues[index]) - expected) <= 1e-6, "gradient \(index)")
            }
            expectedLoss += sampleWeights[row] * rowMean / Double(batch)
        }
        #expect(Swift.abs(loss - expectedLoss) <= 1e-6 * expectedLoss)
    }

    @Test func shortRunLowersTheDenoisingLoss() throws {
        let (unet, store, objective) = try Self.load("sd1-tiny", variant: nil)
        let gradients = try ParameterGradients(store: store, selection: .all, modelName: "the UNet")
        let trainer = DiffusionTrainer(gradients: gradients,
                                       optimizer: try AdamW(for: gradients, weightDecay: 0),
                                       schedule: try LearningRateSchedule(name: "constant", baseLearningRate: 3e-3,
                                                                          warmupSteps: 0, totalSteps: 30),
                                       maxGradientNorm: 1)
        // One fixed batch (fixed noise and timesteps): the loss on it must fall well below where it starts.
        let stream = RandomStream(seed: 11, purpose: "test", id: 0)
        let batch = DiffusionTrainingBatch(
            latents: stream.normalTensor(shape: [2, 4, 8, 8]),
            noise: stream.normalTensor(shape: [2, 4, 8, 8], startingAt: 1 << 20),
            timesteps: [300, 600],
            encoderHiddenStates: stream.normalTensor(shape: [2, 5, unet.crossAttentionDimensions[0]], startingAt: 1 << 21))
        let first = try trainer.step(batch, unet: unet, objective: objective).loss
        var last = first
        for _ in 0..<29 { last = try trainer.step(batch, unet: unet, objective: objective).loss }
        #expect(last < 0.5 * first, "loss went from \(first) to \(last)")
    }

    @Test func nonFiniteLossStopsTheStepWithoutTouchingTheWeights() throws {
        let (unet, store, objective) = try Self.load("sd1-tiny", variant: nil)
        let gradients = try ParameterGradients(store: store, selection: ParameterSelection(["attn2"]))
        let trainer = DiffusionTrainer(gradients: gradients,
                                       optimizer: try AdamW(for: gradients),
                                       schedule: try LearningRateSchedule(name: "constant", baseLearningRate: 1e-3,
                                                                          warmupSteps: 0, totalSteps: 1))
        let latents = Tensor(zeros: [1, 4, 8, 8])
        latents.pointer[5] = .nan
        let before = Tensor(storage: store.arena, shape: [store.arena.count]).toArray()
        #expect(throws: TrainingStepError.self) {
            try trainer.step(DiffusionTrainingBatch(latents: latents, noise: Tensor(zeros: [1, 4, 8, 8]), timesteps: [10],
                                                    encoderHiddenStates: Tensor(zeros: [1, 3, unet.crossAttentionDimensions[0]])),
                             unet: unet, objective: objective)
        }
        #expect(Tensor(storage: store.arena, shape: [store.arena.count]).toArray() == before)
    }
}
