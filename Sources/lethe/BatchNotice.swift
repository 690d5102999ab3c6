import Foundation

/// The note a training command prints when its batch is larger than its image set: valid (each image comes back
/// with other crops, flips, noise and timesteps, as a data loader's repeats do), but worth stating.
enum BatchNotice {
    static func print(batchSize: Int, imageCount: Int, source: String) {
        guard imageCount > 0, batchSize > imageCount else { return }
        let text = "note: --batch-size \(batchSize) is larger than the \(imageCount) image\(imageCount == 1 ? "" : "s") of "
            + "\(source): each step uses images more than once (with other crops, flips, noise and timesteps)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
