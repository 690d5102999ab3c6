import Foundation
import LetheModels
import LetheTensor

/// Text-to-image as diffusers' `StableDiffusionPipeline` (without the safety checker): the same tokenisation,
/// classifier-free guidance, scheduler loop, random draws and VAE decoding, so the same weights, seed (or latents)
/// and settings give the same image.
public struct StableDiffusionPipeline: Sendable {
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let schedulerConfiguration: SchedulerConfiguration

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: AutoencoderKL,
                schedulerConfiguration: SchedulerConfiguration) {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.unet = unet
        self.vae = vae
        self.schedulerConfiguration = schedulerConfiguration
    }

    /// Loads every component of a diffusers folder.
    public init(folder: DiffusersModelFolder) throws {
        let tokenizer = try CLIPTokenizer(folder: folder.componentFolder("tokenizer"))
        let textEncoder = try CLIPTextModel(folder: folder)
        let unet = try UNet2DConditionModel.load(from: folder)
        let vae = try AutoencoderKL.load(from: folder)
        let scheduler = try SchedulerConfiguration(contentsOf: folder.componentFile("scheduler", "scheduler_config.json"))
        // A text encoder from another model family would only fail at the first UNet call; say so at load.
        let widths: [Int] = switch unet.configuration.crossAttentionDim {
        case .one(let width): [width]
        case .many(let list): list
        }
        if let mismatch = widths.first(where: { $0 != textEncoder.configuration.hiddenSize }) {
            throw ModelLoadingError.invalidConfig(
                path: folder.url.appendingPathComponent("unet/config.json").path, key: "cross_attention_dim",
                reason: "is \(mismatch), but the text encoder's hidden_size is \(textEncoder.configuration.hiddenSize)")
        }
        self.init(tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, vae: vae, schedulerConfiguration: scheduler)
    }

    /// The VAE's spatial down-sampling factor: 2^(number of blocks − 1), 8 for Stable Diffusion.
    public var vaeScaleFactor: Int { 1 << (vae.configuration.blockOutChannels.count - 1) }

    /// The default image size (height, width): the UNet's sample_size (one side, or [height, width]) in pixels.
    public var defaultImageSize: (height: Int, width: Int) {
        switch unet.configuration.sampleSize {
        case .one(let side): (side * vaeScaleFactor, side * vaeScaleFactor)
        case .many(let sides) where sides.count == 2: (sides[0] * vaeScaleFactor, sides[1] * vaeScaleFactor)
        default: (64 * vaeScaleFactor, 64 * vaeScaleFactor)
        }
    }

    /// The text embeddings of one prompt: [1, 77, hidden].
    public func encode(prompt: String) throws -> Tensor {
        try textEncoder.promptEmbeddings(CLIPTextTokenIDs([tokenizer.encode(prompt).inputIDs]))
    }

    /// Runs the request and returns the decoded images [K, 3, H, W] in about [-1, 1] (before postprocessing).
    /// `progress(step, total)` is called after each denoising step.
    public func generate(_ request: GenerationRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> Tensor {
        let plan = try GenerationPlan(request, pipeline: self)
        var scheduler = try schedulerConfiguration.makeScheduler(as: request.scheduler ?? schedulerConfiguration.schedulerKind())
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = request.eta
            scheduler = ddim
        }
        try scheduler.setTimesteps(request.steps)

        var generator = TorchGenerator(seed: request.seed)
        let initial = request.latents ?? generator.randn(shape: plan.latentShape)
        var latents = initial.contiguous() * scheduler.initNoiseSigma
        if latents.shape != plan.latentShape { latents = latents.broadcasted(to: plan.latentShape).copy() }
        let context = try plan.textContext(pipeline: self)

        for (index, timestep) in scheduler.timesteps.enumerated() {
            let modelInput = plan.guided ? Tensor.concatenate([latents, latents], axis: 0) : latents
            let scaled = try scheduler.scaleModelInput(modelInput, timestep: timestep)
            var prediction = try unet(sample: scaled, timestep: timestep, encoderHiddenStates: context)
            if plan.guided {
                let batch = plan.latentShape[0]
                let unconditional = prediction.narrowed(axis: 0, start: 0, length: batch)
                let conditional = prediction.narrowed(axis: 0, start: batch, length: batch)
                prediction = unconditional + request.guidanceScale * (conditional - unconditional)
            }
            let noise = scheduler.drawsNoise(atTimestep: timestep) ? generator.randn(shape: latents.shape) : nil
            latents = try scheduler.step(modelOutput: prediction, timestep: timestep, sample: latents, noise: noise).prevSample
            guard latents.isFinite else { throw GenerationError.nonFinite(stage: "denoising step \(index + 1)") }
            progress(index + 1, scheduler.timesteps.count)
        }
        let images = try vae.decode(latents * (1 / vae.scalingFactor))
        guard images.isFinite else { throw GenerationError.nonFinite(stage: "VAE decoder") }
        return images
    }
}

/// The shapes and conditioning one request needs, checked before any heavy work.
struct GenerationPlan {
    let latentShape: [Int]
    /// Classifier-free guidance runs when the guidance scale is above 1, as in diffusers.
    let guided: Bool
    let request: GenerationRequest

    init(_ request: GenerationRequest, pipeline: StableDiffusionPipeline) throws {
        let factor = pipeline.vaeScaleFactor
        let height = request.height ?? pipeline.defaultImageSize.height
        let width = request.width ?? pipeline.defaultImageSize.width
        for (name, value) in [("--height", height), ("--width", width)] where value <= 0 || value % factor != 0 {
            throw GenerationError.invalidArgument(name: name, reason: "is \(value); it must be a positive multiple of \(factor)")
        }
        guard request.steps > 0 else {
            throw GenerationError.invalidArgument(name: "--steps", reason: "is \(request.steps); it must be at least 1")
        }
        guard request.imagesPerPrompt > 0 else {
            throw GenerationError.invalidArgument(name: "--num-images", reason: "is \(request.imagesPerPrompt); it must be at least 1")
        }
        guard request.guidanceScale.isFinite else {
            throw GenerationError.invalidArgument(name: "--guidance", reason: "must be a finite number")
        }
        latentShape = [request.imagesPerPrompt, pipeline.unet.configuration.inChannels, height / factor, width / factor]
        if let latents = request.latents {
            var single = latentShape
            single[0] = 1
            guard latents.shape == latentShape || latents.shape == single else {
                throw GenerationError.latentsShape(expected: latentShape, found: latents.shape)
            }
            guard latents.isFinite else { throw GenerationError.invalidArgument(name: "--latents", reason: "contain NaN or infinite values") }
        }
        guided = request.guidanceScale > 1
        self.request = request
    }

    /// [negative × K, prompt × K] with guidance, else [prompt × K]: diffusers' `encode_prompt` order.
    func textContext(pipeline: StableDiffusionPipeline) throws -> Tensor {
        let count = latentShape[0]
        let positive = try pipeline.encode(prompt: request.prompt)
        var parts = [Tensor](repeating: positive, count: count)
        if guided {
            let negative = try pipeline.encode(prompt: request.negativePrompt ?? "")
            parts = [Tensor](repeating: negative, count: count) + parts
        }
        return Tensor.concatenate(parts, axis: 0)
    }
}
