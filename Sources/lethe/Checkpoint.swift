import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheErasure

/// `lethe checkpoint verify|inspect|export`: check, list and export the sharded checkpoints of a training job.
struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify, list or export the sharded checkpoints of invert and fmn, or make a key to encrypt them.",
        subcommands: [Verify.self, Inspect.self, Export.self, Keygen.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every chunk's SHA-256 and zstd checksum of each step; exit 1 if any step is damaged.",
            discussion: """
                An encrypted step (saved with --encrypt-key-file) is checked with its key: the manifest's signature, \
                that every chunk decrypts, then the checksums. Without the key only the chunks' SHA-256 are checked, \
                which finds damage but not a forgery, and the line says so.
                """)

        @Argument(help: "A checkpoint folder (--checkpoint-dir) or one step folder.", completion: .directory)
        var path: String

        @OptionGroup var keyFile: KeyFileOption

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            let key = try keyFile.key()
            var damaged = 0
            for step in try CheckpointFolder.stepFolders(at: path) {
                do {
                    let loaded = try LoadedCheckpoint(stepFolder: step, key: key, hashesOnly: key == nil)
                    let bytes = loaded.manifest.tensors.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.length } }
                    let checked = switch (loaded.manifest.encryption, key) {
                    case (nil, _): "all hashes check out"
                    case (_?, nil): "all hashes check out; encrypted, authenticity not checked (no key given)"
                    case (_?, _?): "encrypted, signature and every chunk authentic, all hashes check out"
                    }
                    print("ok       \(step.lastPathComponent): \(loaded.manifest.tensors.count) tensors, "
                          + "\(bytes) bytes in \(loaded.manifest.shards.count) shard(s), \(checked)")
                } catch {
                    damaged += 1
                    // A wrong or missing key says nothing about the files; everything else is damage.
                    let refused = switch error as? CheckpointError { case .keyNeeded?, .wrongKey?: true; default: false }
                    print("\(refused ? "refused " : "damaged ") \(step.lastPathComponent): \(error)")
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
                let encrypted = manifest.encryption.map { "; encrypted (\($0.cipher), key id \($0.keyIdentifier))" } ?? ""
                print("\(step.lastPathComponent): \(manifest.identity.method), step \(manifest.step), saved by "
                      + "\(manifest.worldSize) rank(s); settings \(manifest.identity.settingsHash.prefix(12)), "
                      + "base model \(manifest.identity.baseModelHash.prefix(12))\(encrypted)")
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

        @OptionGroup var keyFile: KeyFileOption

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            var export = CheckpointExport(checkpoint: checkpoint, model: model.map { URL(fileURLWithPath: $0) },
                                          output: URL(fileURLWithPath: output))
            export.overwrite = overwrite
            export.key = try keyFile.key()
            let result = try export.run(log: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
            let written = result.outputs.map(\.path).joined(separator: " and ")
            print("wrote \(written) (\(result.method), step \(result.step) of \(result.stepFolder.path))")
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new random key for --encrypt-key-file (64 hex digits, readable by its owner only).",
            discussion: """
                The key comes from the system's random generator. Keep it apart from the checkpoints it encrypts (not \
                in the same folder): whoever reads both reads the checkpoints. Losing it loses the checkpoints.
                """)

        @Argument(help: "The key file to create; an existing file is never replaced.", completion: .file())
        var file: String

        func run() throws {
            guard try Communicator.world().rank == 0 else { return }
            // O_EXCL: never overwrite a key (that would lose every checkpoint it encrypted); 0600 from the start.
            let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw ValidationError("cannot create the key file '\(file)': \(String(cString: strerror(errno)))")
            }
            let text = Array(CheckpointKey.generateKeyFileText().utf8)
            let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor) == 0
            close(descriptor)
            guard written == text.count, synced else {
                unlink(file)
                throw ValidationError("cannot write the key file '\(file)'")
            }
            let key = try CheckpointKey.load(path: file).key
            print("wrote \(file) (key id \(key.id))")
        }
    }
}
