import Foundation
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheModels
import LetheTensor
import LetheTraining
import LetheWorld
import Testing

@Suite("Training the world's model")
struct WorldTrainingTests {
    static let renderer = WorldRenderer(size: WorldModelRecipe.imageSize)

    static func pictures(_ indices: [Int], seed: UInt64 = 5) -> WorldImageBatch {
        WorldImageBatch(dataset: WorldDataset(seed: seed, split: .train), indices: indices, renderer: renderer)
    }

    @Test("The VAE loss's gradient (reconstruction + KL) matches central differences of the loss")
    func autoencoderGradient() throws {
        // A small VAE of the recipe's kind, so float32 differences of the loss stay well above rounding.
        let configuration = try AutoencoderKLConfiguration.decode(Data("""
            {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "block_out_channels": [8, 8],
             "layers_per_block": 1, "norm_num_groups": 4, "sample_size": 16,
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"]}
            """.utf8), source: "test VAE")
        let trainer = try WorldAutoencoderTrainer(
            options: .init(steps: 1, batchSize: 2, learningRate: 1e-3, warmupSteps: 0), klWeight: 0.05, seed: 3,
            configuration: configuration)
        let images = Tensor(zeros: [2, 3, 16, 16])
        RandomStream(seed: 9, purpose: "test images", id: 0).fill(uniform: images)
        images.assign(images * 2 + -1)
        let noise = trainer.posteriorNoise(samples: [0, 1], shape: try trainer.vae.latentShape(ofImage: images))
        let gradients = trainer.trainer.gradients
        gradients.zero()
        _ = try trainer.lossAndGradients(images: images, noise: noise, gradients: gradients)
        let analytic = gradients.flat.toArray()
        // Parameters spread over the whole arena: the encoder (where the KL term reaches), quant_conv, the decoder.
        let arena = trainer.store.arena
        let probe = try ParameterGradients(store: trainer.store, selection: .all)
        var worst = 0.0
        for entry in gradients.entries {
            for index in [0, entry.count / 2, entry.count - 1] {
                let slot = arena.base + entry.parameterOffset + index
                let original = slot.pointee
                let step: Float = 1e-2
                slot.pointee = original + step
                let above = try trainer.lossAndGradients(images: images, noise: noise, gradients: probe).total
                slot.pointee = original - step
                let below = try trainer.lossAndGradients(images: images, noise: noise, gradients: probe).total
                slot.pointee = original
                let numeric = (above - below) / (2 * Double(step))
                let exact = Double(analytic[entry.gradientOffset + index])
                worst = max(worst, abs(numeric - exact) / max(abs(exact), 1e-3))
            }
        }
        #expect(worst < 0.05, "worst relative difference \(worst)")
    }

    @Test("A few VAE steps lower its loss on the pictures it sees")
    func autoencoderLearns() throws {
        let trainer = try WorldAutoencoderTrainer(
            options: .init(steps: 12, batchSize: 4, learningRate: 2e-3, warmupSteps: 0), klWeight: 1e-7, seed: 1)
        let batch = Self.pictures([0, 1, 2, 3])
        let losses = try (0..<12).map { _ in
            try trainer.step(images: batch.images, samples: [0, 1, 2, 3], weight: 1).reconstruction
        }
        #expect(losses.suffix(3).reduce(0, +) / 3 < 0.8 * losses[0], "reconstruction losses \(losses)")
    }

    @Test("A few steps of the text encoder and UNet lower the diffusion loss on fixed noise and timesteps")
    func diffusionLearns() throws {
        let trainer = try WorldDiffusionTrainer(
            options: .init(steps: 25, batchSize: 4, learningRate: 2e-3, warmupSteps: 0), captionDropout: 0.1, seed: 2)
        let mean = Tensor(zeros: [4, 4, 16, 16])
        RandomStream(seed: 4, purpose: "test latents", id: 0).fill(normal: mean)
        let moments = Tensor.concatenate([mean, Tensor(shape: [4, 4, 16, 16], repeating: -6)], axis: 1)
        let captions = Self.pictures([0, 1, 2, 3]).captions
        // The held-out measure: the same noise and timesteps before and after training.
        func evaluation() throws -> Double {
            let ids = try CLIPTextTokenIDs(captions.map { trainer.tokenizer.encode($0).inputIDs })
            let context = try trainer.textEncoder.promptEmbeddings(ids)
            let batch = DiffusionTrainingBatch.drawing(
                distribution: VAELatentDistribution(moments: moments), scalingFactor: 1, encoderHiddenStates: context,
                trainTimesteps: 1000, seed: 77, step: 0, sampleIndices: [0, 1, 2, 3])
            let noisy = try trainer.objective.noiseSchedule.addNoise(original: batch.latents, noise: batch.noise, timesteps: batch.timesteps)
            let prediction = try trainer.unet.forward(sample: noisy, timesteps: batch.timesteps.map(Float.init),
                                                      encoderHiddenStates: context)
            return DiffusionObjective.meanSquaredError(prediction, batch.noise).0
        }
        let before = try evaluation()
        for _ in 0..<25 {
            try trainer.step(moments: moments, scalingFactor: 1, captions: captions, samples: [0, 1, 2, 3], weight: 1)
        }
        let after = try evaluation()
        #expect(after < 0.9 * before, "diffusion loss \(before) → \(after)")
    }

    @Test("Caption dropout replaces about the asked share of captions with the empty prompt, the same on every call")
    func captionDropout() throws {
        let trainer = try WorldDiffusionTrainer(
            options: .init(steps: 1, batchSize: 1, learningRate: 1e-3, warmupSteps: 0), captionDropout: 0.1, seed: 2)
        let dropped = (0..<2000).filter { trainer.trainingCaption("a red star", sample: $0).isEmpty }.count
        #expect((140...260).contains(dropped), "\(dropped) of 2000 dropped")
        #expect((0..<50).map { trainer.trainingCaption("x", sample: $0) } == (0..<50).map { trainer.trainingCaption("x", sample: $0) })
    }

    @Test("The recipe end to end: a diffusers folder Lethe loads and draws from, its record's digests, and a resume that redoes nothing")
    func wholeRecipe() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-world-train-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        var options = WorldTrainingOptions()
        options.autoencoder = .init(steps: 2, batchSize: 2, learningRate: 1e-3, warmupSteps: 0)
        options.diffusion = .init(steps: 2, batchSize: 2, learningRate: 1e-3, warmupSteps: 0)
        options.trainingImages = 4
        var job = WorldTrainingJob(options: options, output: root.appendingPathComponent("model"))
        job.checkpoints = CheckpointSettings(folder: root.appendingPathComponent("checkpoints"), every: 1, resume: .auto)
        let communicator = try Communicator.world()
        let record = try job.run(communicator: communicator)
        #expect(record.vaeLoss.count == 2 && record.diffusionLoss.count == 2)
        #expect(record.scalingFactor.isFinite && record.scalingFactor > 0)

        let folder = try DiffusersModelFolder(url: job.output)
        let pipeline = try StableDiffusionPipeline(folder: folder)
        #expect(pipeline.nativeImageSize.height == 64 && pipeline.nativeImageSize.width == 64)
        #expect(Double(pipeline.vae.scalingFactor) == Double(Float(record.scalingFactor)))
        var request = GenerationRequest(prompt: "a red star", seed: 1)
        request.steps = 2
        let image = try pipeline.generate(request)
        #expect(image.shape == [1, 3, 64, 64] && image.isFinite)
        let written = try WorldRecipeRecord.read(from: job.output)
        #expect(written.files == (try WorldRecipeRecord.fileDigests(in: job.output)))
        #expect(Set(written.files.keys).isSuperset(of: [
            "model_index.json", "scheduler/scheduler_config.json", "vae/config.json", "unet/config.json",
            "text_encoder/config.json", "tokenizer/vocab.json", "vae/diffusion_pytorch_model.safetensors",
            "unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"]))

        // Both stages resume at their last step: no training, the same weights.
        job.output = root.appendingPathComponent("again")
        let resumed = try job.run(communicator: communicator)
        #expect(resumed.vaeLoss == record.vaeLoss && resumed.diffusionLoss == record.diffusionLoss)
        let again = try WorldRecipeRecord.read(from: job.output)
        for file in ["unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                     "vae/diffusion_pytorch_model.safetensors", "vae/config.json"] {
            #expect(again.files[file] == written.files[file], "\(file) differs after a resume")
        }
    }
}
