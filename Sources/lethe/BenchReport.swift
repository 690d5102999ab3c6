import Foundation

/// One benchmark result, printed as text or as the JSON line Scripts/bench/ compares with PyTorch's.
struct BenchReport: BenchJSONLine {
    var implementation: String
    /// "forward", or "forward+backward" with the trained parameters' patterns in `train`.
    var mode: String
    var train: String?
    var preset: String
    var latent: Int
    var batch: Int
    var threads: Int
    var seconds: Double
    var allSeconds: [Double]
    /// With a backward pass: the backward's share of the best iteration (the rest is the forward).
    var backwardSeconds: Double? = nil
    var gflops: Double
    var parameters: Int
    var peakRSSBytes: Int

    enum CodingKeys: String, CodingKey {
        case implementation, mode, train, preset, latent, batch, threads, seconds, gflops, parameters
        case allSeconds = "all_seconds", backwardSeconds = "backward_seconds", peakRSSBytes = "peak_rss_bytes", gflopPerSecond = "gflop_per_second"
    }

    var gflopPerSecond: Double { seconds > 0 ? gflops / seconds : 0 }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(implementation, forKey: .implementation)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(train, forKey: .train)
        try container.encode(preset, forKey: .preset)
        try container.encode(latent, forKey: .latent)
        try container.encode(batch, forKey: .batch)
        try container.encode(threads, forKey: .threads)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(allSeconds, forKey: .allSeconds)
        try container.encodeIfPresent(backwardSeconds, forKey: .backwardSeconds)
        try container.encode(gflops, forKey: .gflops)
        try container.encode(gflopPerSecond, forKey: .gflopPerSecond)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(peakRSSBytes, forKey: .peakRSSBytes)
    }

    func text() -> String {
        String(format: "%@ unet %@, latent %d×%d, batch %d, %d BLAS threads, %.1f M parameters%@\n"
               + "  %.3f s per %@ (best of %d%@), %.1f GFLOP → %.1f GFLOP/s, peak RSS %.2f GiB",
               implementation, preset, latent, latent, batch, threads, Double(parameters) / 1e6,
               train.map { ", training \($0)" } ?? "", seconds, mode, allSeconds.count,
               backwardSeconds.map { String(format: "; backward %.3f s", $0) } ?? "", gflops, gflopPerSecond,
               Double(peakRSSBytes) / Double(1 << 30))
    }
}

/// A benchmark result that prints as the one JSON line (sorted keys) the scripts in Scripts/bench/ read.
protocol BenchJSONLine: Encodable {}

extension BenchJSONLine {
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The process's peak resident set size (getrusage reports kibibytes on Linux).
enum PeakMemory {
    static func residentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
