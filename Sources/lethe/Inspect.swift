import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheIO

/// `lethe inspect PATH`: the tensors of a safetensors file, a sharded set, a folder, or a diffusers model folder.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors (name, dtype, shape, size) of safetensors weights.",
        discussion: """
            PATH is a .safetensors file, a shard index (*.safetensors.index.json, also diffusers' \
            *.safetensors.index.fp16.json), a folder of them, or a diffusers model folder (each component \
            folder in turn). Every checkpoint is validated fully before anything is printed.
            """)

    @Argument(help: "A safetensors file, shard index, or folder.", completion: .file())
    var path: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        // Under mpirun one listing is enough: rank 0 prints it.
        guard try Communicator.world().rank == 0 else { return }
        if SealedFile.isSealed(path: path) {
            throw ValidationError("'\(path)' is a file Lethe encrypted (--encrypt-key-file), not a plain safetensors file: "
                + "lethe generate --embedding and lethe fmn --embedding read it with its key")
        }
        let checkpoints = try InspectedCheckpoint.discover(at: URL(fileURLWithPath: path))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(["checkpoints": checkpoints]), as: UTF8.self))
        } else {
            print(checkpoints.map { $0.table() }.joined(separator: "\n\n"))
        }
    }
}
