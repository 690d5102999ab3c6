import CZstd

/// Zstandard (RFC 8878) compression for byte buffers and streams.
///
/// Every frame written by Lethe carries a content checksum (`ZSTD_c_checksumFlag`), so corruption is detected on
/// decompression. One-shot helpers live in `Zstd+OneShot.swift`; streams use `ZstdCompressor` and
/// `ZstdDecompressor`.
public enum Zstd {
    /// The version of the linked libzstd, such as "1.5.4".
    public static var libraryVersion: String { String(cString: ZSTD_versionString()) }

    /// The level zstd itself uses by default (3): a good speed/ratio balance.
    public static let defaultLevel = 3

    /// Levels accepted by the linked libzstd (negative levels trade ratio for speed).
    public static var levelRange: ClosedRange<Int> { Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel()) }

    /// The most worker threads the linked libzstd accepts (0 when it was built without multithreading).
    public static var maximumWorkers: Int {
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)
        return ZSTD_isError(bounds.error) == 0 ? Int(max(bounds.upperBound, 0)) : 0
    }

    /// Whether `ZstdCompressionOptions.workers > 0` is possible with the linked libzstd.
    public static var supportsMultithreading: Bool { maximumWorkers > 0 }

    /// The four bytes that open every zstd frame (magic number 0xFD2FB528, little-endian).
    public static let frameMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Default cap on what one-shot decompression may produce (4 GiB), so a hostile or corrupt frame header
    /// cannot make us allocate an absurd buffer. Larger data should be streamed with `ZstdDecompressor`.
    public static let defaultMaxDecompressedSize = 4 << 30

    /// The largest compressed size of `count` input bytes: a buffer this big always suffices for one frame.
    public static func compressBound(_ count: Int) -> Int {
        Int(ZSTD_compressBound(count))
    }
}
