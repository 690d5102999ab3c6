import Foundation
import Crypto

/// SHA-256 as lowercase hexadecimal text, the form manifests store.
public enum SHA256Hex {
    public static func of(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    public static func of(_ buffer: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return hex(hasher.finalize())
    }

    /// Bytes as lowercase hexadecimal text (hashes, key ids, signatures, key files).
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
