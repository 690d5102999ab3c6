import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheErasure

/// `lethe checkpoint verify|inspect|export`: check, list and export the sharded checkpoints of a training job.
struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify, list or export the sharded checkpoints of invert and fmn.",
        subcommands: [Verify.self, Inspect.self, Export.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every chunk's SHA-256 and zstd checksum of each step; exit 1 if any step is damaged.")

        @Argument(help: "A checkpoint folder (--checkpoint-dir) or one step folder.", completion: .directory)
        var path: String

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            var damaged = 0
            for step in try CheckpointFolder.stepFolders(at: path) {
                do {
                    let loaded = try LoadedCheckpoint(stepFolder: step)
                    let bytes = loaded.manifest.tensors.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.length } }
                    print("ok       \(step.lastPathComponent): \(loaded.manifest.tensors.count) tensors, "
                          + "\(bytes) bytes in \(loaded.manifest.shards.count) shard(s), all hashes check out")
                } catch {
                    damaged += 1
                    print("damaged  \(step.lastPathComponent): \(error)")
                }
            }
            if damaged > 0 { throw ExitCode(1) }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the steps of a checkpoint folder and the tensors of each (from the manifests).")

        @Argument(help: "A checkpoint folder (--checkpoint-dir) or one step folder.", completion: .directory)
        var path: String

        @Flag(help: "Print each step's manifest as JSON instead of a table.")
        var json = false

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            for step in try CheckpointFolder.stepFolders(at: path) {
                let url = step.appendingPathComponent("manifest.json")
                let manifest: CheckpointManifest
                do {
                    manifest = try CheckpointManifest(contentsOf: url)
                } catch {
                    print("\(step.lastPathComponent): no readable manifest (\(error))")
                    continue
                }
                if json {
                    print(String(decoding: try manifest.json(), as: UTF8.self), terminator: "")
                    continue
                }
                print("\(step.lastPathComponent): \(manifest.identity.method), step \(manifest.step), saved by "
                      + "\(manifest.worldSize) rank(s); settings \(manifest.identity.settingsHash.prefix(12)), "
                      + "base model \(manifest.identity.baseModelHash.prefix(12))")
                for tensor in manifest.tensors {
                    let stored = tensor.chunks.reduce(0) { $0 + $1.length }
                    let raw = tensor.shape.reduce(1, *) * tensor.dtype.size
                    let ratio = stored > 0 ? String(format: "%.2f×", Double(raw) / Double(stored)) : "-"
                    print("  \(tensor.name)  \(tensor.dtype.rawValue) \(tensor.shape)  \(tensor.chunks.count) chunk(s), "
                          + "\(stored) bytes (\(ratio))  \(tensor.shard)")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write what the job would have written had it ended at a checkpoint's step.",
            discussion: """
                CHECKPOINT is a step folder, or a checkpoint folder: its newest step that checks out (a damaged \
                newer one is reported and skipped). For an fmn checkpoint, --output is a complete diffusers folder: \
                --model with the checkpoint's trained UNet tensors, written as fmn writes its output (its report holds \
                the steps so far). For an invert checkpoint, --output is learned_embeds.safetensors as invert writes \
                it, with NAME.report.json beside it. At the job's last step the weights are the job's, bit for bit. \
                --model must be the base model the job was run with: its fingerprint is checked against the \
                checkpoint's (optional for invert).
                """)

        @Argument(help: "A checkpoint folder (--checkpoint-dir) or one step folder.", completion: .directory)
        var checkpoint: String

        @Option(help: "The base model the job was run with (a diffusers folder; required for fmn checkpoints).")
        var model: String?

        @Option(help: "The erased model folder (fmn) or the learned-embeddings file (invert).")
        var output: String

        @Flag(help: "Replace --output if it is what this export writes (a model folder or learned-embeddings file Lethe wrote).")
        var overwrite = false

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            var export = CheckpointExport(checkpoint: checkpoint, model: model.map { URL(fileURLWithPath: $0) },
                                          output: URL(fileURLWithPath: output))
            export.overwrite = overwrite
            let result = try export.run(log: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
            let written = result.outputs.map(\.path).joined(separator: " and ")
            print("wrote \(written) (\(result.method), step \(result.step) of \(result.stepFolder.path))")
        }
    }
}
