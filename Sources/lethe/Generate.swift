import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDiffusion
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor

/// `lethe generate`: text-to-image with a diffusers model folder, as diffusers' StableDiffusionPipeline.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images from a prompt with a Stable Diffusion model (diffusers folder).",
        discussion: """
            Same defaults and numbers as diffusers' StableDiffusionPipeline: with the same weights, prompt, \
            settings and --seed (diffusers: generator=torch.Generator().manual_seed(SEED) on the CPU) or \
            --latents, the image is the one diffusers produces. The output is a PNG, or float32 NHWC values \
            in [0, 1] as a NumPy .npy file (diffusers' output_type="np").
            """)

    @OptionGroup var modelOption: ModelOption

    @Option(help: "The text prompt.")
    var prompt: String

    @OptionGroup var tokenizerOption: TokenizerOption

    @Option(help: "What to steer away from (classifier-free guidance's unconditional prompt). Default: \"\".")
    var negativePrompt: String?

    @Option(parsing: .unconditional, help: "Denoising steps.")
    var steps = 50

    @Option(parsing: .unconditional, help: "Classifier-free guidance scale; 1 or less turns guidance off.")
    var guidance: Double = 7.5

    @Option(help: "The scheduler, built from the folder's scheduler config as diffusers' from_config builds it. Default: the folder's own.")
    var scheduler: SchedulerKind?

    @Option(parsing: .unconditional, help: "DDIM's eta, 0 to 1 (0 is deterministic DDIM).")
    var eta: Double = 0

    @Option(parsing: .unconditional, help: "Seed of the CPU generator (torch.Generator().manual_seed). Default: a random seed, printed.")
    var seed: UInt64?

    @Option(help: "A safetensors file whose float32 tensor 'latents' [K or 1, 4, H/8, W/8] is the initial noise. --seed then drives only the schedulers' own noise.")
    var latents: String?

    @Option(parsing: .unconditional, help: "Image height in pixels, at most 16384: a multiple of the VAE's scale factor (8 for Stable Diffusion). Default: the model's.")
    var height: Int?

    @Option(parsing: .unconditional, help: "Image width in pixels, at most 16384: a multiple of the VAE's scale factor (8 for Stable Diffusion). Default: the model's.")
    var width: Int?

    @Option(name: .customLong("num-images"), parsing: .unconditional, help: "Images to generate for the prompt.")
    var numImages = 1

    @Flag(help: "With --num-images above 1, write one grid image instead of numbered files.")
    var grid = false

    @Option(help: "Weights variant to load, e.g. fp16 (reads *.fp16.safetensors). Default: full precision, else fp16.")
    var variant: String?

    @Option(help: "A textual-inversion file (learned_embeds.safetensors, as diffusers' load_textual_inversion reads) whose token the prompt may use. Repeatable.")
    var embedding: [String] = []

    @OptionGroup var keyFile: KeyFileOption

    @Option(help: "Output file: .png (K > 1: NAME-0.png, NAME-1.png, ... or one grid) or .npy.")
    var output: String

    @Flag(help: "Replace existing output images (PNG or .npy files only).")
    var overwrite = false

    @OptionGroup(title: "Watermark (PNG outputs; .npy values are never marked)") var watermarkOption: WatermarkOption

    func validate() throws {
        let suffix = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard suffix == "png" || suffix == "npy" else {
            throw ValidationError("--output must end in .png or .npy, got '\(output)'")
        }
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if numImages < 1 { throw ValidationError("--num-images must be at least 1, got \(numImages)") }
        for (name, side) in [(Setting.height, height), (Setting.width, width)] {
            if let side { try ResourceBounds.check(name, side, in: 1...ResourceBounds.maximumImageSide, unit: "pixels") }
        }
        // Parsed as Double so that a number beyond float32 is named as such rather than called "not finite".
        for (name, value) in [("--guidance", guidance), ("--eta", eta)] {
            guard value.isFinite else { throw ValidationError("\(name) must be a finite number, got \(value)") }
            guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw ValidationError("\(name) is \(value), beyond float32's range (±3.4e38)")
            }
        }
    }

    func run() throws {
        // Under mpirun each rank makes a contiguous run of the images (every random draw is still the whole
        // request's, so the images are those of one process) and rank 0 gathers, writes and prints.
        let world = try Communicator.world()
        let isMain = world.rank == 0
        let key = embedding.contains { SealedFile.isSealed(path: $0) } ? try keyFile.key() : nil
        let embeddings = try embedding.map { try LearnedEmbeddings.read(URL(fileURLWithPath: $0), key: key) }
        let expandedPrompt = embeddings.reduce(prompt) { $1.expanding($0) }
        // A seed not given is drawn on rank 0 and shared (every rank has the same arguments, so all take this path).
        var request = GenerationRequest(prompt: expandedPrompt, seed: try seed ?? UInt64(
            bitPattern: world.broadcast(Int64(bitPattern: UInt64.random(in: 0..<(1 << 53))), root: 0)))
        if seed == nil, isMain { FileHandle.standardError.write(Data("seed: \(request.seed)\n".utf8)) }
        request.negativePrompt = negativePrompt.map { text in embeddings.reduce(text) { $1.expanding($0) } }
        request.steps = steps
        request.guidanceScale = Float(guidance)
        request.scheduler = scheduler
        request.eta = Float(eta)
        request.height = height
        request.width = width
        request.imagesPerPrompt = numImages
        if let latents { request.latents = try Self.readLatents(latents) }

        let model = try modelOption.path()
        let loading = Date()
        let folder = try DiffusersModelFolder(url: URL(fileURLWithPath: model), variant: variant)
        let pipeline = try StableDiffusionPipeline(folder: folder, embeddings: embeddings, tokenizer: tokenizerOption.compatibility)
        if isMain {
            FileHandle.standardError.write(Data(String(format: "loaded %@ in %.1f s\n", modelOption.model ?? "the world's model", Date().timeIntervalSince(loading)).utf8))
        }
        // Sizes and memory first (they bound the number of files), then, on rank 0, every file this run writes,
        // before the work: none may be an input, and an existing one is replaced only with --overwrite (and only
        // an image). A failure on rank 0 ends every rank (JobFailure).
        try pipeline.check(request)
        if isMain {
            let inputs = [OutputGuard.Input(model, role: "model")] + (latents.map { [OutputGuard.Input($0, role: "--latents file")] } ?? [])
                + embedding.map { OutputGuard.Input($0, role: "embedding file") }
            for name in GeneratedImages.outputNames(output, count: numImages, grid: grid) {
                try OutputGuard.check(output: name, kind: .image, inputs: inputs, overwrite: overwrite)
            }
            // As diffusers: a prompt past the text encoder's 77 tokens is cut, with a warning quoting what was cut.
            for (name, text) in [("--prompt", request.prompt), ("--negative-prompt", request.negativePrompt ?? "")] {
                if let warning = pipeline.tokenizer.truncationWarning(for: text, argument: name) {
                    FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
                }
            }
        }
        // The scheduler decides the number of model calls (PNDM's PLMS makes one more than --steps); the bar
        // prints 0/N before the first step. Rank 0 always has images (it takes the first run).
        let bar = isMain ? ProgressBar("denoise") : nil
        let local = try BLASThreads.with(pipeline.preferredBLASThreads) {
            try pipeline.generate(request, images: world.share(of: numImages)) { done, total in bar?.update(done, of: total) }
        }
        let images = try Self.gatherImages(local, count: numImages, communicator: world)
        guard isMain else { return }
        let stamp = try watermarkOption.stamp()
        try GeneratedImages(images).write(to: output, asGrid: grid, stamp: stamp)
        FileHandle.standardError.write(Data("wrote \(GeneratedImages.outputNames(output, count: numImages, grid: grid).joined(separator: ", "))\n".utf8))
        for note in stamp?.notes ?? [] { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
    }

    /// Every rank's run of decoded images [n, 3, H, W] put together in image order on rank 0 ([count, 3, H, W];
    /// elsewhere an empty tensor). Every rank takes part, with or without images.
    static func gatherImages(_ local: Tensor, count: Int, communicator: Communicator) throws -> Tensor {
        guard communicator.size > 1 else { return local }
        let perImage = local.shape.dropFirst().reduce(1, *)
        let values = try communicator.gatherv(
            local.contiguous().toArray(), counts: communicator.shares(of: count).map { $0.count * perImage }, root: 0)
        guard communicator.rank == 0 else { return Tensor(zeros: [0] + local.shape.dropFirst()) }
        return Tensor(shape: [count] + local.shape.dropFirst(), values: values)
    }

    /// The float32 tensor `latents` of a safetensors file.
    static func readLatents(_ path: String) throws -> Tensor {
        let file = try SafeTensorsFile.open(URL(fileURLWithPath: path))
        guard let info = file.info(named: "latents") else {
            throw ValidationError("--latents file '\(path)' has no tensor named 'latents' (it has: \(ErrorText.list(file.tensorNames)))")
        }
        guard info.shape.count == 4 else {
            throw ValidationError("--latents: tensor 'latents' in '\(path)' has shape \(info.shape); expected [K, 4, H/8, W/8]")
        }
        return try file.tensor(named: "latents")
    }
}

/// Decoded images [K, 3, H, W] and how they are written.
struct GeneratedImages {
    let decoded: Tensor

    init(_ decoded: Tensor) { self.decoded = decoded }

    /// The files `write` produces for `output`.
    static func outputNames(_ output: String, count: Int, grid: Bool) -> [String] {
        let url = URL(fileURLWithPath: output)
        guard url.pathExtension.lowercased() == "png", count > 1, !grid else { return [output] }
        let stem = url.deletingPathExtension().path
        return (0..<count).map { "\(stem)-\($0).png" }
    }

    /// Writes the images; PNGs get `stamp`'s mark where they are large enough (a grid as one image, as Stable
    /// Diffusion's scripts mark theirs), `.npy` values never.
    func write(to output: String, asGrid grid: Bool, stamp: WatermarkStamp? = nil) throws {
        // The output check before the work accepted a folder still to be made (as every writer here makes it).
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: output).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        if URL(fileURLWithPath: output).pathExtension.lowercased() == "npy" {
            try NumPyFile.write(try ImagePostprocessor.denormalizedNHWC(decoded), toFile: output)
            return
        }
        let images = try ImagePostprocessor.images(fromDecoded: decoded)
        if images.count > 1 && grid {
            let columns = Int(Double(images.count).squareRoot().rounded(.up))
            let rows = (images.count + columns - 1) / columns
            let sheet = try ImageRGB8.grid(images, rows: rows, columns: columns)
            try (stamp?.apply(to: sheet) ?? sheet).writePNG(toFile: output)
            return
        }
        for (image, name) in zip(images, Self.outputNames(output, count: images.count, grid: grid)) {
            try (stamp?.apply(to: image) ?? image).writePNG(toFile: name)
        }
    }
}
