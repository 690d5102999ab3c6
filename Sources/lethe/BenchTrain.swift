import ArgumentParser
import COpenBLAS
import Foundation
import LetheDistributed
import LetheErasure
import LetheIO
import LetheModels
import LetheTelemetry

/// `lethe bench train`: Forget-Me-Not and textual-inversion steps as their jobs run them, timed per part.
struct BenchTrain: ParsableCommand {
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case fmn, textualInversion = "textual-inversion"
    }

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time Forget-Me-Not or textual-inversion training steps on a diffusers folder.",
        discussion: """
            Runs --steps optimizer steps of batch 1 with the method's defaults (Forget-Me-Not: the authors' AdamW \
            settings, the whole UNet trained unless --train attn2; textual inversion: diffusers' example's, one \
            vector) on synthetic images, in one process, and prints the seconds of each step and of its parts \
            (data: images to latents and noise; forward; backward; optimizer), averaged over the steps after the \
            first, with the peak resident memory. Scripts/bench/train.sh runs the authors' step in PyTorch \
            (train_attn.py's, diffusers' textual_inversion.py's) beside it on the same folder and images.
            """)

    @Option(help: "fmn (Forget-Me-Not) or textual-inversion.")
    var method: Method

    @Option(help: ArgumentHelp("A diffusers model folder. Default: a random-weight model of --preset's architecture, written once to the cache.",
                               valueName: "folder"))
    var model: String?

    @Option(help: "Architecture of the random-weight folder used without --model: sd15, sd21 or tiny.")
    var preset: RandomPipelinePreset = .sd15

    @Option(help: ArgumentHelp("A folder of training images. Default: four synthetic 512×512 images, written once to the cache.",
                               valueName: "folder"))
    var images: String?

    @Option(help: "Training image side in pixels (default: the model's).")
    var resolution: Int?

    @Option(help: "Timed optimizer steps; the first is reported apart from the mean of the rest.")
    var steps = 3

    @Option(help: "With --method fmn: the UNet parameters that train, all or attn2.")
    var train = "all"

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard train == "all" || train == "attn2" else { throw ValidationError("--train must be all or attn2, got '\(train)'") }
        if method == .textualInversion && train != "all" {
            throw ValidationError("--train applies to --method fmn; textual inversion trains its embedding only")
        }
        if let resolution, !(8...2048).contains(resolution) || resolution % 8 != 0 {
            throw ValidationError("--resolution must be a multiple of 8 from 8 to 2048 (pixels per side), got \(resolution)")
        }
        for (flag, path) in [("--model", model), ("--images", images)] {
            guard let path else { continue }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("\(flag) '\(path)' is not a folder")
            }
        }
    }

    func run() throws {
        let folderPath = try model ?? BenchGenerate.randomFolder(preset)
        let imagePath = try images ?? Self.syntheticImages()
        let folder = try DiffusersModelFolder(url: URL(fileURLWithPath: folderPath))
        let imageFolder = try ImageFolder(path: imagePath)
        let communicator = Communicator.singleProcess()
        let timer = TrainingTimer()
        // The trained values and the image side, after the timed steps.
        let (trainedParameters, imageSide): (Int, Int)
        switch method {
        case .fmn:
            var options = ForgetMeNotOptions(concept: "cat")
            options.train = train
            options.steps = steps
            options.resolution = resolution
            let trainer = try ForgetMeNotTrainer(folder: folder, options: options)
            let data = try TrainingImages(folder: imageFolder, size: trainer.imageSize,
                                          preprocessing: .forgetMeNot(centerCrop: options.centerCrop), seed: options.seed)
            try timer.recording { _ = try trainer.train(images: data, communicator: communicator) }
            (trainedParameters, imageSide) = (trainer.trainer.gradients.count, trainer.imageSize)
        case .textualInversion:
            var options = TextualInversionOptions(placeholder: "<bench>", initializer: "toy")
            options.steps = steps
            options.resolution = resolution
            let trainer = try TextualInversionTrainer(folder: folder, options: options)
            let data = try TrainingImages(
                folder: imageFolder, size: trainer.imageSize,
                preprocessing: .textualInversion(centerCrop: options.centerCrop, flipProbability: options.flipProbability),
                seed: options.seed)
            try timer.recording { _ = try trainer.train(images: data, communicator: communicator) }
            (trainedParameters, imageSide) = (trainer.trainer.gradients.count, trainer.imageSize)
        }
        let report = TrainBenchReport(
            implementation: "Lethe", method: method.rawValue, model: model ?? "random \(preset.rawValue)",
            resolution: imageSide, train: method == .fmn ? train : "embedding",
            threads: Int(openblas_get_num_threads()), steps: timer.steps, trainedParameters: trainedParameters,
            peakRSSBytes: PeakMemory.residentBytes())
        print(json ? try report.jsonLine() : report.text())
    }

    /// Four 512×512 pictures (colour ramps with a disc, different per image), written once under the bench
    /// cache beside the random models, so that both implementations read the same files.
    static func syntheticImages() throws -> String {
        let folder = BenchGenerate.cacheFolder() + "/train-images-512"
        let names = (0..<4).map { "image-\($0).png" }
        if names.allSatisfy({ FileManager.default.fileExists(atPath: "\(folder)/\($0)") }) { return folder }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let side = 512
        for (index, name) in names.enumerated() {
            var pixels = [UInt8](repeating: 0, count: side * side * 3)
            let (centerX, centerY) = (Double(128 + 80 * index), Double(384 - 70 * index))
            for y in 0..<side {
                for x in 0..<side {
                    let inside = ((Double(x) - centerX) * (Double(x) - centerX) + (Double(y) - centerY) * (Double(y) - centerY)) < 9000
                    let base = (y * side + x) * 3
                    pixels[base] = inside ? 230 : UInt8((x * 255 / side + 60 * index) % 256)
                    pixels[base + 1] = inside ? UInt8(40 * index) : UInt8(y * 255 / side)
                    pixels[base + 2] = inside ? 30 : UInt8(((x + y) * 127 / side + 90 * index) % 256)
                }
            }
            try ImageRGB8(width: side, height: side, pixels: pixels).writePNG(toFile: "\(folder)/\(name)")
        }
        return folder
    }
}

/// One `bench train` result, printed as text or as the JSON line Scripts/bench/train.sh compares with the
/// PyTorch step's (Scripts/bench/train_torch.py prints the same keys).
struct TrainBenchReport: BenchJSONLine {
    var implementation: String
    var method: String
    var model: String
    var resolution: Int
    var train: String
    var threads: Int
    var steps: [TrainingTimer.Step]
    var trainedParameters: Int
    var peakRSSBytes: Int

    enum CodingKeys: String, CodingKey {
        case implementation, method, model, resolution, batch, train, threads, seconds
        case stepSeconds = "step_seconds", dataSeconds = "data_seconds", forwardSeconds = "forward_seconds"
        case backwardSeconds = "backward_seconds", optimizerSeconds = "optimizer_seconds"
        case trainedParameters = "trained_parameters", peakRSSBytes = "peak_rss_bytes"
    }

    /// The steps the means are taken over: all but the first (which warms caches and allocates), when there are more.
    private var measured: ArraySlice<TrainingTimer.Step> { steps.count > 1 ? steps.dropFirst() : steps[...] }

    private func mean(_ value: (TrainingTimer.Step) -> Double) -> Double {
        measured.isEmpty ? 0 : measured.map(value).reduce(0, +) / Double(measured.count)
    }

    var seconds: Double { mean(\.seconds) }
    func seconds(_ kind: ActivityKind) -> Double { mean { $0.parts[kind] ?? 0 } }
    /// Lethe's collectives of a one-process job (the loss values, the gradient sum) are bookkeeping around the
    /// optimizer step: counted with it, as the PyTorch side counts clipping and zero_grad.
    var optimizerSeconds: Double { seconds(.optimizer) + seconds(.sync) + seconds(.allreduce) }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(implementation, forKey: .implementation)
        try container.encode(method, forKey: .method)
        try container.encode(model, forKey: .model)
        try container.encode(resolution, forKey: .resolution)
        try container.encode(1, forKey: .batch)
        try container.encode(train, forKey: .train)
        try container.encode(threads, forKey: .threads)
        try container.encode(steps.map(\.seconds), forKey: .stepSeconds)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(seconds(.data), forKey: .dataSeconds)
        try container.encode(seconds(.forward), forKey: .forwardSeconds)
        try container.encode(seconds(.backward), forKey: .backwardSeconds)
        try container.encode(optimizerSeconds, forKey: .optimizerSeconds)
        try container.encode(trainedParameters, forKey: .trainedParameters)
        try container.encode(peakRSSBytes, forKey: .peakRSSBytes)
    }

    func text() -> String {
        String(format: "%@ %@ step, %@, %d×%d px, batch 1, training %@ (%d values), %d BLAS threads\n"
               + "  %.2f s per step (mean of %d%@): data %.2f, forward %.2f, backward %.2f, optimizer %.2f; "
               + "steps %@ s\n  peak RSS %.2f GiB",
               implementation, method, model, resolution, resolution, train, trainedParameters, threads,
               seconds, measured.count, steps.count > 1 ? " after the first" : "", seconds(.data), seconds(.forward),
               seconds(.backward), optimizerSeconds,
               steps.map { String(format: "%.2f", $0.seconds) }.joined(separator: ", "),
               Double(peakRSSBytes) / Double(1 << 30))
    }
}
