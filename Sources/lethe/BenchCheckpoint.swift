import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheModels
import LetheTensor

/// `lethe bench checkpoint`: how fast a training job's checkpoint of SD 1.5-sized tensors is written and read, and
/// how well it compresses, with and without the byte shuffle.
struct BenchCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Time writing and reading a checkpoint of SD 1.5-sized trained tensors and their AdamW moments.",
        discussion: """
            Builds what a training job checkpoints for the SD 1.5 UNet parameters --train selects (default: the \
            cross-attention key and value projections, attn2.to_k and attn2.to_v; all: every one of its 859.5 M \
            parameters): the trained values and AdamW's two moments, drawn at random with the scales of trained \
            weights (N(0, 1/fan-in)), of gradients (N(0, 1e-4²)) and of their squares. Saves them with the \
            checkpoint writer of the training jobs on one process, reads them back with its reader (every chunk's \
            SHA-256 and zstd checksum checked, every value decompressed), and prints the best of --iterations in MB/s \
            of float32 data (10^6 bytes) and the compressed/raw size, for byte-shuffled zstd (what jobs write) \
            and plain zstd, both at zstd's default level. The write includes flushing the shard to disk; the read \
            follows it, so it reads from the page cache, not the disk. Random values stand in for trained ones; real \
            weights compress a little differently (values of an fp16 model start with 13 zero mantissa bits as \
            float32, until training moves them; trained distributions have heavier tails). --train all holds one \
            copy of its 2.6 G values (10.3 GB) at a time and needs about 9 GB of free disk in --folder; its peak \
            resident size, 18.5 GiB measured, also counts the pages of the shard the reader maps (page cache the \
            kernel can drop).
            """)

    @Option(help: "The UNet parameters trained, as comma-separated name patterns (attn2.to_k, attn2, all).")
    var train = "attn2.to_k,attn2.to_v"

    @Option(help: "Timed writes and reads of each encoding; the best is reported.")
    var iterations = 3

    @Option(help: "Where the checkpoints are written while timed (removed afterwards). Default: the temporary folder.")
    var folder: String?

    @Flag(help: "Print one JSON line per encoding.")
    var json = false

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
    }

    /// One encoding's figures.
    struct Result: BenchJSONLine {
        var implementation = "Lethe"
        var encoding: String
        var train: String
        var tensors: Int
        var parameters: Int
        var rawBytes: Int
        var compressedBytes: Int
        var ratio: Double
        var writeMBPerSecond: Double
        var readMBPerSecond: Double
        var writeSeconds: [Double]
        var readSeconds: [Double]
        var peakRSSBytes: Int

        enum CodingKeys: String, CodingKey {
            case implementation, encoding, train, tensors, parameters, ratio
            case rawBytes = "raw_bytes", compressedBytes = "compressed_bytes", writeMBPerSecond = "write_mb_per_second"
            case readMBPerSecond = "read_mb_per_second", writeSeconds = "write_seconds", readSeconds = "read_seconds"
            case peakRSSBytes = "peak_rss_bytes"
        }

        func text() -> String {
            String(format: "%@: %d tensors, %.1f M parameters × 3, %.1f MB → %.1f MB (%.3f of raw); write %.0f MB/s, "
                   + "read %.0f MB/s (best of %d); peak RSS %.2f GiB",
                   encoding, tensors, Double(parameters) / 1e6, Double(rawBytes) / 1e6, Double(compressedBytes) / 1e6,
                   ratio, writeMBPerSecond, readMBPerSecond, writeSeconds.count, Double(peakRSSBytes) / Double(1 << 30))
        }
    }

    func run() throws {
        let patterns = train.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let plan = WeightStore(source: .planning)
        _ = try UNet2DConditionModel(configuration: try RandomPipelinePreset.sd15.unetConfiguration(), weights: plan)
        let selection = ParameterSelection(patterns)
        try selection.validate(against: plan.layout, modelName: "the UNet")
        let parameters = plan.layout.filter { selection.selectsWhole($0.name) }
        let base = URL(fileURLWithPath: folder ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent(".lethe-bench-checkpoint-\(getpid())")
        defer { try? FileManager.default.removeItem(at: base) }
        let world = Communicator.singleProcess()
        let identity = CheckpointIdentity(method: "bench", settingsHash: "", baseModelHash: "")
        let encodings = [("byte-shuffled zstd", true), ("plain zstd", false)]
        var writes = [[Double]](repeating: [], count: encodings.count), reads = writes
        var compressed = [Int](repeating: 0, count: encodings.count)
        var raw = 0, count = 0
        // The encodings take turns, so a busy moment of a shared machine does not fall on one of them only.
        for iteration in 0..<iterations {
            for (index, (_, shuffle)) in encodings.enumerated() {
                let checkpoints = CheckpointFolder(base.appendingPathComponent("\(shuffle ? "shuffled" : "plain")-\(iteration)"))
                // One copy of the values at a time: made before the write, dropped before the read.
                var tensors = Self.tensors(for: parameters)
                count = tensors.count
                raw = tensors.reduce(0) { $0 + $1.byteCount }
                var start = Date()
                let step = try checkpoints.save(step: 1, tensors: tensors, identity: identity, state: [:], keepLast: nil,
                                                communicator: world, chunkBytes: 16 << 20, byteShuffle: shuffle)
                writes[index].append(Date().timeIntervalSince(start))
                let first = tensors.first
                tensors = []
                start = Date()
                let loaded = try LoadedCheckpoint(stepFolder: step)
                reads[index].append(Date().timeIntervalSince(start))
                compressed[index] = loaded.manifest.tensors.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.length } }
                if let first, loaded.tensors[first.name]?.tensor?.toArray() != first.tensor?.toArray() {
                    throw ValidationError("'\(first.name)' read back differs from what was written")
                }
                try FileManager.default.removeItem(at: checkpoints.url)
            }
        }
        for (index, (encoding, _)) in encodings.enumerated() {
            let result = Result(
                encoding: encoding, train: patterns.joined(separator: ","), tensors: count,
                parameters: parameters.reduce(0) { $0 + $1.shape.reduce(1, *) }, rawBytes: raw,
                compressedBytes: compressed[index], ratio: raw > 0 ? Double(compressed[index]) / Double(raw) : 0,
                writeMBPerSecond: Double(raw) / 1e6 / max(writes[index].min() ?? 0, 1e-9),
                readMBPerSecond: Double(raw) / 1e6 / max(reads[index].min() ?? 0, 1e-9),
                writeSeconds: writes[index], readSeconds: reads[index], peakRSSBytes: PeakMemory.residentBytes())
            if json {
                print(try result.jsonLine())
            } else {
                print(result.text())
            }
        }
    }

    /// The checkpoint tensors of training `parameters` with AdamW, named as `DiffusionTrainer.checkpointTensors()`
    /// names them: values ~ N(0, 1/fan-in) (1-D ones N(0, 0.2²), as `WeightStore.random`), the first moment ~
    /// N(0, 1e-4²) like a gradient's running mean, the second moment the square of another such draw.
    static func tensors(for parameters: [(name: String, shape: [Int])]) -> [CheckpointTensor] {
        var tensors: [CheckpointTensor] = []
        var offset: UInt64 = 0
        let streams = (0..<3).map { RandomStream(seed: 0, purpose: "bench-checkpoint", id: UInt64($0)) }
        for (name, shape) in parameters {
            let count = shape.reduce(1, *)
            let values = streams[0].normalTensor(shape: shape, startingAt: offset)
            values.scaleInPlace(by: shape.count >= 2 ? 1 / Float(count / shape[0]).squareRoot() : 0.2)
            let average = streams[1].normalTensor(shape: shape, startingAt: offset)
            average.scaleInPlace(by: 1e-4)
            let squares = streams[2].normalTensor(shape: shape, startingAt: offset)
            for index in 0..<count { squares.pointer[index] = squares.pointer[index] * squares.pointer[index] * 1e-8 }
            tensors += [CheckpointTensor("trained/\(name)", values), CheckpointTensor("optimizer/exp_avg/\(name)", average),
                        CheckpointTensor("optimizer/exp_avg_sq/\(name)", squares)]
            offset += UInt64(count)
        }
        return tensors
    }
}
