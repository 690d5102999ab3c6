import Foundation
import LetheCheckpoint
import LetheModels

/// Learned embeddings at rest: sealed with the job's key when it has one (`--encrypt-key-file`), plain diffusers
/// files otherwise; read either way, a sealed one only with its key.
extension LearnedEmbeddings {
    static let sealedPurpose = "learned-embeddings"

    /// Reads a learned-embeddings file: a sealed one with `key` (an error naming the file without it), a plain one as
    /// diffusers writes it.
    public static func read(_ url: URL, key: CheckpointKey?) throws -> LearnedEmbeddings {
        guard SealedFile.isSealed(path: url.path) else { return try LearnedEmbeddings(contentsOf: url) }
        return try LearnedEmbeddings(safetensors: try SealedFile.read(path: url.path, key: key, purpose: sealedPurpose), url: url)
    }

    /// Writes the diffusers file, sealed with `key` when one is given.
    public func write(to url: URL, key: CheckpointKey?) throws {
        guard let key else { return try write(to: url) }
        try SealedFile.write(try serialized(), to: url.path, key: key, purpose: Self.sealedPurpose)
    }
}
