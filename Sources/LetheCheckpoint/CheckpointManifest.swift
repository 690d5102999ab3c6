import Foundation
import LetheIO

/// `manifest.json` of a checkpoint step folder: what was saved, by whom, from which settings and base model, and
/// where each tensor's compressed chunks are, with their SHA-256. Rank 0 writes it last, after every shard is on
/// disk, and the step folder is renamed into place after it, so a folder named `step-N` is always complete.
public struct CheckpointManifest: Codable, Sendable, Equatable {
    /// The format this code writes and reads; another version is refused with both numbers named.
    public static let currentFormatVersion = 1
    public static let formatName = "lethe-checkpoint"

    public struct Chunk: Codable, Sendable, Equatable {
        /// Byte offset and length of the chunk's zstd frame in its shard file.
        public var offset: Int
        public var length: Int
        /// Elements the chunk holds once decompressed.
        public var elements: Int
        /// SHA-256 of the compressed bytes, hexadecimal.
        public var sha256: String
    }

    public struct TensorRecord: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: CheckpointDType
        public var shape: [Int]
        /// The shard file (in the step folder) that holds the chunks.
        public var shard: String
        public var chunks: [Chunk]
        /// Whether float32 chunks were byte-shuffled before compression: nil (the key left out) means yes, the
        /// default; false only when a writer was asked for plain zstd (`lethe bench checkpoint` compares the two).
        public var byteShuffle: Bool?
    }

    public var format = formatName
    public var formatVersion = currentFormatVersion
    /// The optimizer steps taken when the checkpoint was saved.
    public var step: Int
    /// Ranks of the job that saved it (a job may resume on another number).
    public var worldSize: Int
    /// The identity a resuming job must match.
    public var identity: CheckpointIdentity
    /// Method-specific values besides the tensors (e.g. the optimizer's step count), as text.
    public var state: [String: String]
    public var tensors: [TensorRecord]
    /// Every shard file, in rank order.
    public var shards: [String]
    /// Set when the step was saved with a key (`CheckpointKey`): every chunk is sealed, `state` is empty and its
    /// values are in `sealedState`, and `manifest.sig` beside this file signs it. nil (the key left out): plain.
    public var encryption: Encryption?

    public struct Encryption: Codable, Sendable, Equatable {
        /// "AES-256-GCM".
        public var cipher: String
        /// The key's name (`CheckpointKey.id`), so that a wrong key is told apart from a damaged file.
        public var keyIdentifier: String
        /// The state, as JSON, sealed and base64-encoded.
        public var sealedState: String
    }

    public func json() throws -> Data {
        try DocumentJSON.encode(self)
    }

    public init(json data: Data) throws {
        self = try DocumentJSON.decode(CheckpointManifest.self, from: data)
    }

    /// Reads a manifest file (at most 256 MiB: millions of chunk records).
    public init(contentsOf url: URL) throws {
        try self.init(json: InputFile.data(url, limit: 256 << 20))
    }

    init(step: Int, worldSize: Int, identity: CheckpointIdentity, state: [String: String],
         tensors: [TensorRecord], shards: [String]) {
        self.step = step
        self.worldSize = worldSize
        self.identity = identity
        self.state = state
        self.tensors = tensors
        self.shards = shards
    }
}

/// What a checkpoint belongs to: a job resumes only from a checkpoint of the same method, settings and base model.
public struct CheckpointIdentity: Codable, Sendable, Equatable {
    /// "forget-me-not", "textual-inversion", …
    public var method: String
    /// SHA-256 of the settings that decide the result (see `CheckpointIdentity.hash(settings:)`).
    public var settingsHash: String
    /// SHA-256 of the base model's description (see `ModelFingerprint`).
    public var baseModelHash: String

    public init(method: String, settingsHash: String, baseModelHash: String) {
        self.method = method
        self.settingsHash = settingsHash
        self.baseModelHash = baseModelHash
    }

    /// The hash of settings given as key/value text: sorted by key, so the order they are listed in does not matter.
    public static func hash(settings: [String: String]) -> String {
        let text = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        return SHA256Hex.of(Array(text.utf8))
    }
}

/// The element types a checkpoint stores.
public enum CheckpointDType: String, Codable, Sendable {
    case float32 = "F32"
    case uint8 = "U8"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32: 4
        case .uint8: 1
        }
    }
}
