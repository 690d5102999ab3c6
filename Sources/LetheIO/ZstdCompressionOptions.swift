/// How `Zstd.compress` and `ZstdCompressor` compress. The content checksum is always on.
public struct ZstdCompressionOptions: Sendable, Equatable {
    /// Compression level, within `Zstd.levelRange`; higher is smaller and slower.
    public var level: Int
    /// Worker threads for compression; 0 compresses on the calling thread. Values above 0 need
    /// `Zstd.supportsMultithreading`. Output is a standard frame either way.
    public var workers: Int

    public init(level: Int = Zstd.defaultLevel, workers: Int = 0) {
        self.level = level
        self.workers = workers
    }

    /// Level 3, single-threaded.
    public static let `default` = ZstdCompressionOptions()
}
