import Crypto
import Foundation
import LetheIO

/// The key that encrypts a job's checkpoints at rest (`--encrypt-key-file`): 32 secret bytes in a file only its
/// owner reads, given as the raw bytes or as 64 hexadecimal characters (what `lethe checkpoint keygen` writes, and
/// `openssl rand -hex 32` too).
///
/// Two keys are derived from it with HKDF-SHA256, one per use, so no key ever does two jobs: one encrypts each chunk
/// of every shard and the manifest's state with AES-256-GCM (a fresh random 96-bit nonce per chunk, and the step, the
/// tensor and the chunk's place as authenticated data, so a chunk moved to another place or step does not open),
/// the other signs each manifest with HMAC-SHA256 (over the step folder's name too, so a step renamed or copied into
/// another's place is caught). A third derivation names the key (`id`, 16 hex digits) in the manifest, so a wrong
/// key is reported as such before anything is decrypted, without the name saying anything about the key.
// Unchecked: swift-crypto's SymmetricKey is immutable once made but not marked Sendable.
public struct CheckpointKey: @unchecked Sendable {
    /// The variable that names a key file when no `--encrypt-key-file` is given.
    public static let environmentVariable = "LETHE_ENCRYPT_KEY_FILE"
    /// The cipher manifests name.
    public static let cipher = "AES-256-GCM"

    let chunkKey: SymmetricKey
    let manifestKey: SymmetricKey
    /// Names the key in manifests and errors.
    public let id: String

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw CheckpointKeyError.badKey(path: nil, reason: "a key is 32 bytes, this one is \(bytes.count)")
        }
        let master = SymmetricKey(data: bytes)
        func derive(_ purpose: String, bytes: Int = 32) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: master, salt: Array("lethe-checkpoint".utf8),
                                   info: Array(purpose.utf8), outputByteCount: bytes)
        }
        chunkKey = derive("chunk encryption v1")
        manifestKey = derive("manifest authentication v1")
        id = derive("key id v1", bytes: 8).withUnsafeBytes { SHA256Hex.hex($0) }
    }

    /// Reads a key file: 32 raw bytes, or 64 hex digits (surrounding white space ignored). Returns a warning when the
    /// file can be read by others than its owner (on a shared file system, anyone in its group could decrypt).
    public static func load(path: String) throws -> (key: CheckpointKey, warning: String?) {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: 4096)
        } catch {
            throw CheckpointKeyError.badKey(path: path, reason: error.description)
        }
        let key: CheckpointKey
        if bytes.count == 32 {
            key = try CheckpointKey(bytes: bytes)
        } else {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let decoded = hexBytes(text), decoded.count == 32 else {
                throw CheckpointKeyError.badKey(
                    path: path, reason: "it holds \(bytes.count) bytes; a key file holds 32 raw bytes or 64 hexadecimal "
                        + "digits (lethe checkpoint keygen writes one)")
            }
            key = try CheckpointKey(bytes: decoded)
        }
        var status = stat()
        let loose = stat(path, &status) == 0 && status.st_mode & 0o077 != 0
        let warning = loose ? "warning: the key file '\(path)' can be read by others than its owner (mode "
            + String(format: "%03o", status.st_mode & 0o777) + "); chmod 600 it" : nil
        return (key, warning)
    }

    /// 32 random bytes from the system's generator, as the 64 hex digits and newline of a key file.
    public static func generateKeyFileText() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { SHA256Hex.hex($0) } + "\n"
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// nonce ‖ ciphertext ‖ tag of `plaintext`, bound to `context` (authenticated, not stored).
    func seal(_ plaintext: some DataProtocol, context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: chunkKey, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw CheckpointKeyError.badKey(path: nil, reason: "AES-GCM gave no sealed box") }
        return Array(combined)
    }

    /// The plaintext of `sealed`, or nil when it does not open with this key and `context` (tampered with, moved, or
    /// another key's).
    func open(_ sealed: some DataProtocol, context: String) -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plain = try? AES.GCM.open(box, using: chunkKey, authenticating: Array(context.utf8)) else { return nil }
        return Array(plain)
    }

    /// HMAC-SHA256 of a manifest's bytes and the name of the step folder it is in, as hex.
    func signature(manifest: some DataProtocol, stepFolder: String) -> String {
        SHA256Hex.hex(code(manifest: manifest, stepFolder: stepFolder))
    }

    func isAuthentic(manifest: some DataProtocol, stepFolder: String, signature given: String) -> Bool {
        guard let given = Self.hexBytes(given.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        // Compared in constant time by swift-crypto.
        return code(manifest: manifest, stepFolder: stepFolder) == given
    }

    private func code(manifest: some DataProtocol, stepFolder: String) -> HMAC<SHA256>.MAC {
        var mac = HMAC<SHA256>(key: manifestKey)
        mac.update(data: Array("\(stepFolder)\u{0}".utf8))
        mac.update(data: manifest)
        return mac.finalize()
    }
}

/// A key file that cannot be used.
public enum CheckpointKeyError: Error, CustomStringConvertible, Equatable {
    case badKey(path: String?, reason: String)

    public var description: String {
        switch self {
        case let .badKey(path?, reason): "The encryption key file '\(path)' cannot be used: \(reason)."
        case let .badKey(nil, reason): "The encryption key cannot be used: \(reason)."
        }
    }
}
