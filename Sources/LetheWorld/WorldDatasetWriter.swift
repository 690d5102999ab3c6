import Foundation
import LetheIO

/// Writes samples `0..<count` of a dataset into a folder as an `imagefolder` dataset: the PNGs under their split's
/// subfolder and `metadata.jsonl` beside them (one line per sample, in index order).
public struct WorldDatasetWriter {
    public let dataset: WorldDataset
    public let renderer: WorldRenderer
    public let count: Int

    public init(dataset: WorldDataset, renderer: WorldRenderer, count: Int) {
        self.dataset = dataset
        self.renderer = renderer
        self.count = count
    }

    /// Writes every sample into `folder` (which exists and is empty); `progress` is told after each sample.
    /// Returns how many samples went to each split.
    @discardableResult
    public func write(into folder: URL, progress: (Int) -> Void = { _ in }) throws -> [WorldSplit: Int] {
        var counts: [WorldSplit: Int] = [:]
        var metadata = ""
        for index in 0..<count {
            let sample = dataset.sample(at: index)
            let subfolder = folder.appendingPathComponent(sample.split.rawValue)
            if counts[sample.split] == nil {
                try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
            }
            counts[sample.split, default: 0] += 1
            try renderer.draw(sample).image.writePNG(toFile: folder.appendingPathComponent(sample.fileName).path)
            metadata += sample.metadataLine + "\n"
            progress(index + 1)
        }
        try AtomicFileOutput.write(Array(metadata.utf8), to: folder.appendingPathComponent("metadata.jsonl").path)
        return counts
    }

    /// A contact sheet of the first `count` samples (at most 64), `columns` across.
    public func contactSheet(count: Int, columns: Int = 8) throws -> ImageRGB8 {
        let images = (0..<count).map { renderer.draw(dataset.sample(at: $0)).image }
        return try ImageRGB8.grid(images, rows: (count + columns - 1) / columns, columns: columns)
    }
}
