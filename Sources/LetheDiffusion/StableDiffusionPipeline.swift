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

    /// Opens a diffusers folder: its tokenizer (in the given mode; default: transformers 5's), text encoder, UNet,
    /// VAE and scheduler config. `embeddings` (textual inversion, as diffusers' `load_textual_inversion`) add their
    /// tokens to the tokenizer and their vectors to the text encoder's token-embedding table; prompts must name the
    /// placeholders, expanded with `LearnedEmbeddings.expanding(_:)` for multi-vector ones.
    ///
    /// `loading` defaults to `.mapped`: a pipeline only runs its models, so float32 weights are used in place from
    /// the files' read-only mappings (no copy; the ranks of a node share the pages) and half-precision ones are
    /// converted once. Nothing that changes weights may take them from a pipeline; trainers and editors load their
    /// own `.arena` copies.
    public init(
        folder: DiffusersModelFolder, embeddings: [LearnedEmbeddings] = [],
        tokenizer compatibility: CLIPTokenizer.Compatibility = CLIPTokenizer.defaultCompatibility,
        loading: WeightLoading = .mapped
    ) throws {
        let (tokenizer, textEncoder) = try LearnedEmbeddings.textEncoder(
            folder: folder, tokenizer: CLIPTokenizer(folder: folder.componentFolder("tokenizer"), compatibility: compatibility),
            embeddings: embeddings, loading: loading)
        let unet = try UNet2DConditionModel.load(from: folder, loading: loading)
        let vae = try AutoencoderKL.load(from: folder, loading: loading)
        let scheduler = try SchedulerConfiguration(folder: folder)
        try unet.checkTextEncoder(hiddenSize: textEncoder.configuration.hiddenSize, folder: folder)
        self.init(tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, vae: vae, schedulerConfiguration: scheduler)
    }

    /// The VAE's spatial down-sampling factor: 2^(number of blocks − 1), 8 for Stable Diffusion.
    public var vaeScaleFactor: Int { vae.configuration.scaleFactor }

    /// The OpenBLAS threads generation runs best with: one for a small UNet (the world's, the test fixtures), whose
    /// products are so small that two threads spend most of their time handing work off (measured on the world's
    /// model: 64 images, 20 DDIM steps, 41 s with two threads against 34 s with one); otherwise the current count.
    public var preferredBLASThreads: Int { (unet.configuration.blockOutChannels.max() ?? 0) <= 256 ? 1 : BLASThreads.count }

    /// The model's image size (height, width): the UNet's sample_size (one side, or [height, width]; 64 when absent)
    /// times the VAE's scale factor, with nil for a side that does not fit an Int.
    public var nativeImageSize: (height: Int?, width: Int?) { unet.configuration.nativeImageSize(scaleFactor: vaeScaleFactor) }

    /// The text embeddings of one prompt: [1, 77, hidden].
    public func encode(prompt: String) throws -> Tensor {
        try textEncoder.promptEmbeddings(CLIPTextTokenIDs([tokenizer.encode(prompt).inputIDs]))
    }

    /// Runs the request and returns the decoded images [K, 3, H, W] in about [-1, 1] (before postprocessing).
    /// `progress(step, total)` is called after each denoising step.
    public func generate(_ request: GenerationRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> Tensor {
        try generate(request, images: 0..<request.imagesPerPrompt, progress: progress)
    }

    /// Rows `images` of what `generate(_:progress:)` returns for the request: [images.count, 3, H, W], the same
    /// values, so that ranks sharing a request out make the images of one process. Every random draw is the whole
    /// request's (the [K, …] initial noise and each step's [K, …] noise, of which these rows are taken); the text
    /// encoder, UNet and VAE run on these rows only. An empty range does no work and returns [0, 3, H, W].
    /// `stage` is told when the prompts are encoded, the latents denoised and the images decoded (for timings).
    public func generate(_ request: GenerationRequest, images rows: Range<Int>,
                         progress: (Int, Int) -> Void = { _, _ in },
                         stage: (GenerationStage) -> Void = { _ in }) throws -> Tensor {
        let plan = try GenerationPlan(request, pipeline: self)
        let batch = plan.latentShape[0]
        guard rows.lowerBound >= 0, rows.upperBound <= batch else {
            throw GenerationError.invalidSetting(
                Setting.imagesPerPrompt, reason: "is \(batch); images \(rows.lowerBound)..<\(rows.upperBound) lie outside 0..<\(batch)")
        }
        guard !rows.isEmpty else {
            let factor = vaeScaleFactor
            return Tensor(zeros: [0, vae.configuration.outChannels, plan.latentShape[2] * factor, plan.latentShape[3] * factor])
        }
        var scheduler = try schedulerConfiguration.makeScheduler(as: request.scheduler ?? schedulerConfiguration.schedulerKind())
        if var ddim = scheduler as? DDIMScheduler {
            ddim.eta = request.eta
            scheduler = ddim
        }
        try scheduler.setTimesteps(request.steps)
        progress(0, scheduler.timesteps.count)

        // These rows of a [K, …] tensor, as a tensor of their own.
        func local(_ tensor: Tensor) -> Tensor {
            rows.count == batch ? tensor : tensor.narrowed(axis: 0, start: rows.lowerBound, length: rows.count).copy()
        }
        var generator = TorchGenerator(seed: request.seed)
        let initial = request.latents ?? generator.randn(shape: plan.latentShape)
        var latents = initial.contiguous() * scheduler.initNoiseSigma
        if latents.shape != plan.latentShape { latents = latents.broadcasted(to: plan.latentShape).copy() }
        latents = local(latents)
        let context = try plan.textContext(pipeline: self, count: rows.count)
        stage(.encoded)

        for (index, timestep) in scheduler.timesteps.enumerated() {
            // With guidance the UNet's batch is [these rows' latents, the same again]: negative then positive halves.
            let modelInput = plan.guided ? Tensor.concatenate([latents, latents], axis: 0) : latents
            let scaled = try scheduler.scaleModelInput(modelInput, timestep: timestep)
            var prediction = try unet.forward(sample: scaled, timestep: timestep, encoderHiddenStates: context)
            if plan.guided {
                let unconditional = prediction.narrowed(axis: 0, start: 0, length: rows.count)
                let conditional = prediction.narrowed(axis: 0, start: rows.count, length: rows.count)
                prediction = unconditional + request.guidanceScale * (conditional - unconditional)
            }
            // The whole request's draw, so that each image's noise is the one a single process gives it.
            let noise = scheduler.drawsNoise(atTimestep: timestep) ? local(generator.randn(shape: plan.latentShape)) : nil
            latents = try scheduler.step(modelOutput: prediction, timestep: timestep, sample: latents, noise: noise).prevSample
            guard latents.isFinite else { throw GenerationError.nonFinite(stage: "denoising step \(index + 1)") }
            progress(index + 1, scheduler.timesteps.count)
        }
        stage(.denoised)
        let images = try vae.decode(latents * (1 / vae.scalingFactor))
        guard images.isFinite else { throw GenerationError.nonFinite(stage: "VAE decoder") }
        stage(.decoded)
        return images
    }
}

/// The points `StableDiffusionPipeline.generate` reports as it passes them.
public enum GenerationStage: Sendable {
    /// The prompts (and the negative prompt) went through the text encoder.
    case encoded
    /// The last denoising step is done.
    case denoised
    /// The VAE decoded the images.
    case decoded
}

extension StableDiffusionPipeline {
    /// Checks a request's sizes, numbers and memory against this model without doing any of its work.
    public func check(_ request: GenerationRequest) throws {
        _ = try GenerationPlan(request, pipeline: self)
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
        let maximum = ResourceBounds.maximumImageSide
        // The model's own size (sample_size × the VAE's scale factor) when a side is not given; a bad one blames
        // the config, not a flag the user never passed.
        // With initial latents a side not given is the latents' (diffusers takes the latents as given); one that is
        // given must agree with them (checked below against the latents' shape).
        let fromLatents = Self.latentImageSize(request.latents, factor: factor)
        let native = (height: fromLatents?.height ?? pipeline.nativeImageSize.height,
                      width: fromLatents?.width ?? pipeline.nativeImageSize.width)
        for (name, given, nativeSide) in [(Setting.height, request.height, native.height), (Setting.width, request.width, native.width)] {
            if let given {
                guard given > 0, given % factor == 0 else {
                    throw GenerationError.invalidSetting(
                        name, reason: "is \(given); it must be a positive multiple of \(factor) (the VAE's scale factor)")
                }
                try ResourceBounds.check(name, given, in: factor...maximum, unit: "pixels")
            } else if let fromLatents, !(nativeSide.map { (1...maximum).contains($0) } ?? false) {
                throw GenerationError.invalidSetting(
                    Setting.latents, reason: "of shape \(request.latents?.shape ?? []) give images of \(fromLatents.height)×\(fromLatents.width) "
                        + "pixels; each side must be at most \(maximum)")
            } else if !(nativeSide.map { (1...maximum).contains($0) } ?? false) {
                throw GenerationError.unsupportedModel(
                    reason: "The UNet config's sample_size times the VAE's scale factor \(factor) "
                        + "gives images of \(nativeSide.map(String.init) ?? "more than \(Int.max)") pixels, beyond "
                        + "\(maximum); pass \(name)")
            }
        }
        let height = request.height ?? native.height ?? 0
        let width = request.width ?? native.width ?? 0
        guard request.steps > 0 else {
            throw GenerationError.invalidSetting(Setting.steps, reason: "is \(request.steps); it must be at least 1")
        }
        // Every scheduler takes at most one inference step per training timestep.
        let trainTimesteps = pipeline.schedulerConfiguration.numTrainTimesteps ?? 1000
        guard request.steps <= trainTimesteps else {
            throw GenerationError.invalidSetting(
                Setting.steps, reason: "is \(request.steps); it must be at most \(trainTimesteps) (the scheduler's num_train_timesteps)")
        }
        guard request.imagesPerPrompt > 0 else {
            throw GenerationError.invalidSetting(Setting.imagesPerPrompt, reason: "is \(request.imagesPerPrompt); it must be at least 1")
        }
        guard request.guidanceScale.isFinite else {
            throw GenerationError.invalidSetting(Setting.guidanceScale, reason: "is \(request.guidanceScale); it must be a finite number")
        }
        guard request.eta.isFinite, request.eta >= 0, request.eta <= 1 else {
            throw GenerationError.invalidSetting(
                Setting.eta, reason: "is \(request.eta); it must be between 0 (DDIM) and 1 (DDPM's variance)")
        }
        let guided = request.guidanceScale > 1
        try MemoryEstimate(
            request: "Generating \(request.imagesPerPrompt) image\(request.imagesPerPrompt == 1 ? "" : "s") of \(width)×\(height) "
                + "(\(Setting.imagesPerPrompt), \(Setting.width), \(Setting.height))",
            bytes: pipeline.generationMemory(images: request.imagesPerPrompt, height: height, width: width, guided: guided),
            advice: "lower \(Setting.imagesPerPrompt), \(Setting.height) or \(Setting.width)").check()
        latentShape = [request.imagesPerPrompt, pipeline.unet.configuration.inChannels, height / factor, width / factor]
        if let latents = request.latents {
            var single = latentShape
            single[0] = 1
            guard latents.shape == latentShape || latents.shape == single else {
                throw GenerationError.latentsShape(expected: latentShape, found: latents.shape)
            }
            guard latents.isFinite else { throw GenerationError.invalidSetting(Setting.latents, reason: "contain NaN or infinite values") }
        }
        if let embeddings = request.promptEmbeddings {
            let hidden = pipeline.textEncoder.configuration.hiddenSize
            guard embeddings.shape.count == 3, embeddings.shape[0] == 1, embeddings.shape[1] > 0, embeddings.shape[2] == hidden else {
                throw GenerationError.invalidSetting(
                    Setting.promptEmbeddings, reason: "have shape \(embeddings.shape); they must be [1, tokens, \(hidden)] (the text encoder's width)")
            }
            guard embeddings.isFinite else { throw GenerationError.invalidSetting(Setting.promptEmbeddings, reason: "contain NaN or infinite values") }
        }
        self.guided = guided
        self.request = request
    }

    /// The image size (height, width) a 4-D latents tensor [K, C, H/f, W/f] stands for; nil without latents, for
    /// another rank (the shape check names it) or a side beyond Int.
    static func latentImageSize(_ latents: Tensor?, factor: Int) -> (height: Int, width: Int)? {
        guard let shape = latents?.shape, shape.count == 4, shape[2] > 0, shape[3] > 0 else { return nil }
        let (height, heightOverflow) = shape[2].multipliedReportingOverflow(by: factor)
        let (width, widthOverflow) = shape[3].multipliedReportingOverflow(by: factor)
        return heightOverflow || widthOverflow ? nil : (height, width)
    }

    /// [negative × count, prompt × count] with guidance, else [prompt × count]: diffusers' `encode_prompt` order
    /// for `count` images.
    func textContext(pipeline: StableDiffusionPipeline, count: Int) throws -> Tensor {
        let positive = try request.promptEmbeddings?.contiguous() ?? pipeline.encode(prompt: request.prompt)
        var parts = [Tensor](repeating: positive, count: count)
        if guided {
            let negative = try pipeline.encode(prompt: request.negativePrompt ?? "")
            parts = [Tensor](repeating: negative, count: count) + parts
        }
        return Tensor.concatenate(parts, axis: 0)
    }
}
