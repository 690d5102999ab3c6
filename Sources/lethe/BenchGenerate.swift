import ArgumentParser
import COpenBLAS
import Foundation
import LetheDiffusion
import LetheIO
import LetheModels
import LetheTensor

/// `lethe bench generate`: whole text-to-image (load, encode, denoise, decode) on a diffusers folder.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Time whole text-to-image runs (load, encode, denoise, decode) on a diffusers folder.",
        discussion: """
            Each iteration opens the pipeline afresh (the load is part of what is timed) and makes one image with \
            classifier-free guidance, as `lethe generate` does. Prints the seconds of each stage and their total \
            for the best iteration (the one with the least total), every iteration's total, and the peak resident \
            memory, as one JSON line with --json. Without --model the folder is a random-weight model of --preset's \
            architecture, written once to the user's cache folder (~/.cache/lethe/bench) and reused. \
            Scripts/bench/generate.sh runs this beside diffusers' StableDiffusionPipeline on the same folder.
            """)

    @Option(help: ArgumentHelp("A diffusers model folder. Default: a random-weight model of --preset's architecture, written once to the cache.",
                               valueName: "dir"))
    var model: String?

    @Option(help: "Architecture of the random-weight folder used without --model: sd15, sd21 or tiny.")
    var preset: RandomPipelinePreset = .sd15

    @Option(parsing: .unconditional, help: "Image height and width in pixels: a multiple of 8 from 64 to 2048.")
    var size = 256

    @Option(parsing: .unconditional, help: "Denoising steps.")
    var steps = 20

    @Option(help: "The scheduler (ddim, pndm, euler, euler-a, ddpm), built from the folder's scheduler config.")
    var scheduler: SchedulerKind = .pndm

    @Option(parsing: .unconditional, help: "Classifier-free guidance scale (above 1: two UNet rows per step).")
    var guidance: Double = 7.5

    @Option(help: "The prompt.")
    var prompt = "a photograph of an astronaut riding a horse"

    @Option(parsing: .unconditional, help: "Timed runs; the one with the least total is reported.")
    var iterations = 1

    @Option(help: "How weights are loaded: mapped (float32 used in place from the files, the default of generate) or arena (copied).")
    var loading: WeightLoading = .mapped

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard (64...2048).contains(size), size % 8 == 0 else {
            throw ValidationError("--size must be a multiple of 8 from 64 to 2048 (pixels per side), got \(size)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        guard guidance.isFinite else { throw ValidationError("--guidance must be a finite number, got \(guidance)") }
        if let model {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: model, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--model '\(model)' is not a folder (expected a diffusers model folder)")
            }
        }
    }

    func run() throws {
        let folderPath = try model ?? Self.randomFolder(preset)
        var request = GenerationRequest(prompt: prompt, seed: 0)
        request.steps = steps
        request.guidanceScale = Float(guidance)
        request.scheduler = scheduler
        request.height = size
        request.width = size

        var runs: [GenerateBenchReport.Stages] = []
        var threads = 0
        var memory: (anonymous: Int?, file: Int?) = (nil, nil)
        for _ in 0..<iterations {
            let start = Date()
            var marks: [GenerationStage: Date] = [:]
            let pipeline = try StableDiffusionPipeline(folder: DiffusersModelFolder(url: URL(fileURLWithPath: folderPath)),
                                                       loading: loading)
            let loaded = Date()
            try pipeline.check(request)
            threads = pipeline.preferredBLASThreads
            let decoded = try BLASThreads.with(threads) {
                try pipeline.generate(request, images: 0..<1, stage: { marks[$0] = Date() })
            }
            // The image as `lethe generate` would write it (8-bit RGB), not the file write itself.
            _ = try ImagePostprocessor.images(fromDecoded: decoded)
            let end = Date()
            // While the pipeline is alive: its weights are what the split between own and mapped pages shows.
            memory = ResidentMemory.current()
            let encoded = marks[.encoded] ?? loaded, denoised = marks[.denoised] ?? encoded
            runs.append(GenerateBenchReport.Stages(
                load: loaded.timeIntervalSince(start), encode: encoded.timeIntervalSince(loaded),
                denoise: denoised.timeIntervalSince(encoded), decode: end.timeIntervalSince(denoised),
                total: end.timeIntervalSince(start)))
        }
        let best = runs.min { $0.total < $1.total }!
        let report = GenerateBenchReport(
            implementation: "Lethe", model: model ?? "random \(preset.rawValue)", loading: loading.rawValue, size: size, steps: steps,
            scheduler: scheduler.shortName, guidance: guidance, threads: threads, stages: best,
            allTotalSeconds: runs.map(\.total), peakRSSBytes: PeakMemory.residentBytes(),
            rssAnonBytes: memory.anonymous, rssFileBytes: memory.file)
        print(json ? try report.jsonLine() : report.text())
    }

    /// The cached random-weight folder of `preset` (seed 0), written on first use: under $XDG_CACHE_HOME/lethe/bench,
    /// else ~/.cache/lethe/bench. About 5 GB for sd15 and sd21, a few MB for tiny.
    static func randomFolder(_ preset: RandomPipelinePreset) throws -> String {
        let folder = "\(cacheFolder())/random-\(preset.rawValue)-seed0"
        if FileManager.default.fileExists(atPath: "\(folder)/model_index.json") { return folder }
        FileHandle.standardError.write(Data("writing a random \(preset.rawValue) model to \(folder) (once)\n".utf8))
        try preset.writeFolder(at: folder, seed: 0)
        return folder
    }

    /// $XDG_CACHE_HOME/lethe/bench, else ~/.cache/lethe/bench: where benchmarks keep what they write once.
    static func cacheFolder() -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { "\($0)/.cache" } ?? NSTemporaryDirectory())
        return "\(cache)/lethe/bench"
    }
}

extension WeightLoading: ExpressibleByArgument {}

/// One `bench generate` result, printed as text or as the JSON line Scripts/bench/generate.sh compares with
/// diffusers' (Scripts/bench/generate_torch.py prints the same keys).
struct GenerateBenchReport: BenchJSONLine {
    struct Stages {
        var load, encode, denoise, decode, total: Double
    }

    var implementation: String
    var model: String
    var loading: String
    var size: Int
    var steps: Int
    var scheduler: String
    var guidance: Double
    var threads: Int
    var stages: Stages
    var allTotalSeconds: [Double]
    var peakRSSBytes: Int
    /// Resident memory after the last image (the pipeline still loaded), split into anonymous pages (this
    /// process's own) and file pages (mapped weights, shared with every other process mapping the same files).
    var rssAnonBytes: Int?
    var rssFileBytes: Int?

    enum CodingKeys: String, CodingKey {
        case implementation, model, loading, size, steps, scheduler, guidance, threads
        case loadSeconds = "load_seconds", encodeSeconds = "encode_seconds", denoiseSeconds = "denoise_seconds"
        case decodeSeconds = "decode_seconds", totalSeconds = "total_seconds", allTotalSeconds = "all_total_seconds"
        case peakRSSBytes = "peak_rss_bytes", rssAnonBytes = "rss_anon_bytes", rssFileBytes = "rss_file_bytes"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(implementation, forKey: .implementation)
        try container.encode(model, forKey: .model)
        try container.encode(loading, forKey: .loading)
        try container.encode(size, forKey: .size)
        try container.encode(steps, forKey: .steps)
        try container.encode(scheduler, forKey: .scheduler)
        try container.encode(guidance, forKey: .guidance)
        try container.encode(threads, forKey: .threads)
        try container.encode(stages.load, forKey: .loadSeconds)
        try container.encode(stages.encode, forKey: .encodeSeconds)
        try container.encode(stages.denoise, forKey: .denoiseSeconds)
        try container.encode(stages.decode, forKey: .decodeSeconds)
        try container.encode(stages.total, forKey: .totalSeconds)
        try container.encode(allTotalSeconds, forKey: .allTotalSeconds)
        try container.encode(peakRSSBytes, forKey: .peakRSSBytes)
        try container.encodeIfPresent(rssAnonBytes, forKey: .rssAnonBytes)
        try container.encodeIfPresent(rssFileBytes, forKey: .rssFileBytes)
    }

    func text() -> String {
        let gib = Double(1 << 30)
        let split = rssAnonBytes.flatMap { anon in rssFileBytes.map { (anon, $0) } }
            .map { String(format: " (after the last image: %.2f GiB own, %.2f GiB mapped files)", Double($0.0) / gib, Double($0.1) / gib) } ?? ""
        return String(format: "%@ generate %@, %d×%d px, %d %@ steps, guidance %.1f, %d BLAS threads, weights %@\n"
                      + "  load %.2f s, encode %.2f s, denoise %.2f s, decode %.2f s: total %.2f s (best of %d)\n"
                      + "  peak RSS %.2f GiB%@",
                      implementation, model, size, size, steps, scheduler, guidance, threads, loading,
                      stages.load, stages.encode, stages.denoise, stages.decode, stages.total, allTotalSeconds.count,
                      Double(peakRSSBytes) / gib, split)
    }
}

/// The process's resident memory now, from /proc/self/status (nil where it cannot be read).
enum ResidentMemory {
    static func current() -> (anonymous: Int?, file: Int?) {
        // Read to the end: /proc files report a size of 0, which a whole-file read would trust.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/status"),
              let data = try? handle.readToEnd() else { return (nil, nil) }
        let status = String(decoding: data, as: UTF8.self)
        func kibibytes(_ key: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return (kibibytes("RssAnon"), kibibytes("RssFile"))
    }
}
