import Foundation

/// Deterministic test data and helpers shared by the zstd and byte-shuffle tests.
enum ZstdSamples {
    /// SplitMix64: a tiny, well-mixed hash, so sample `i` can be regenerated without the ones before it.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Smooth float32 signal plus small noise, for element `start + k` at position k: realistic weights-like data
    /// that compresses some, but not trivially.
    static func fillSmoothFloats(_ buffer: UnsafeMutableBufferPointer<Float>, start: Int, noise: Double = 1e-3) {
        for k in 0..<buffer.count {
            let i = start + k
            let x = Double(i)
            let jitter = Double(mix(UInt64(i)) >> 11) / Double(1 << 53) * 2 - 1
            buffer[k] = Float(sin(x * 7e-4) * 2 + cos(x * 1.3e-4) * 0.5 + jitter * noise)
        }
    }

    static func smoothFloats(count: Int, start: Int = 0, noise: Double = 1e-3) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            fillSmoothFloats(buffer, start: start, noise: noise)
            initialized = count
        }
    }

    /// Incompressible bytes: zstd stores them in raw blocks.
    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: mix(seed &* 0x1_0000_0000 &+ UInt64($0)) >> 24) }
    }

    /// Repetitive text that compresses well.
    static func textBytes(count: Int) -> [UInt8] {
        let words = ["lethe ", "erases ", "concepts ", "from ", "stable ", "diffusion ", "weights ", "\n"]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 16)
        var i: UInt64 = 0
        while bytes.count < count {
            bytes += Array(words[Int(mix(i) % UInt64(words.count))].utf8)
            i += 1
        }
        return Array(bytes.prefix(count))
    }

    static func bytes(of floats: [Float]) -> [UInt8] {
        floats.withUnsafeBytes { Array($0) }
    }

    /// A fresh path in the temporary directory; the caller removes it.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("lethe-zstd-\(UUID().uuidString)-\(name)").path
    }

    /// The `zstd` command-line tool, if installed.
    static let cliPath: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/zstd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs the zstd CLI with `arguments`, returning its exit status and standard output.
    static func runCLI(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cliPath ?? "zstd")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
