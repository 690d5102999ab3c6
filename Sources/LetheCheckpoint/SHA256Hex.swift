import Foundation
import Crypto

/// SHA-256 as lowercase hexadecimal text, the form manifests store.
public enum SHA256Hex {
    public static func of(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public static func of(_ buffer: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
