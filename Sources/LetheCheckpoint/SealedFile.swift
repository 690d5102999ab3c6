import Foundation
import LetheIO

/// One file encrypted whole with a `CheckpointKey` (a learned-embeddings file written with `--encrypt-key-file`):
/// a first line `LETHE-SEALED v1 <key id> <purpose>`, then nonce ‖ ciphertext ‖ tag of AES-256-GCM with that line
/// as authenticated data, so neither the key id nor what the file is for can be changed. It is never a safetensors
/// file: tools that do not know the key see a header they refuse, not garbage weights.
public enum SealedFile {
    static let magic = "LETHE-SEALED v1 "

    /// Whether the file at `path` begins as a sealed file does (false for a file that cannot be read).
    public static func isSealed(path: String) -> Bool {
        (try? InputFile.prefix(path, count: magic.utf8.count)) == Array(magic.utf8)
    }

    /// Writes `plaintext` sealed to `path` (atomically: a temporary file renamed into place).
    public static func write(_ plaintext: [UInt8], to path: String, key: CheckpointKey, purpose: String) throws {
        let header = Array("\(magic)\(key.id) \(purpose)\n".utf8)
        try AtomicFileOutput.write(header + (try key.seal(plaintext, context: String(decoding: header, as: UTF8.self))), to: path)
    }

    /// The plaintext of the sealed file at `path`, written for `purpose`; a missing or wrong key, another purpose
    /// or a changed byte is an error naming the file.
    public static func read(path: String, key: CheckpointKey?, purpose: String) throws -> [UInt8] {
        let bytes = try InputFile.read(path)
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), bytes.starts(with: Array(magic.utf8)) else {
            throw SealedFileError.notSealed(path: path)
        }
        let header = String(decoding: bytes[..<newline], as: UTF8.self)
        let fields = header.dropFirst(magic.count).split(separator: " ", maxSplits: 1).map(String.init)
        guard fields.count == 2 else { throw SealedFileError.notAuthentic(path: path, reason: "its first line is not a sealed file's") }
        guard fields[1] == purpose else {
            throw SealedFileError.notAuthentic(path: path, reason: "it holds \(fields[1]), not \(purpose)")
        }
        guard let key else { throw SealedFileError.keyNeeded(path: path) }
        guard fields[0] == key.id else { throw SealedFileError.wrongKey(path: path, sealedWith: fields[0], given: key.id) }
        guard let plain = key.open(bytes[(newline + 1)...], context: header + "\n") else {
            throw SealedFileError.notAuthentic(path: path, reason: "it does not decrypt (changed after it was written)")
        }
        return plain
    }
}

/// A sealed file that cannot be opened; each message names the file.
public enum SealedFileError: Error, CustomStringConvertible, Equatable {
    case notSealed(path: String)
    case keyNeeded(path: String)
    case wrongKey(path: String, sealedWith: String, given: String)
    case notAuthentic(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notSealed(path):
            "'\(path)' is not a file Lethe encrypted."
        case let .keyNeeded(path):
            "'\(path)' is encrypted: give its key with --encrypt-key-file (or \(CheckpointKey.environmentVariable))."
        case let .wrongKey(path, sealedWith, given):
            "'\(path)' was encrypted with the key whose id is \(sealedWith); the key given has id \(given)."
        case let .notAuthentic(path, reason):
            "'\(path)' fails authentication: \(reason); nothing in it is used."
        }
    }
}
