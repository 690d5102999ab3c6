import Foundation
import LetheDiffusion
import LetheIO
import LetheModels

/// Checks the components of a source model that an erased folder copies unchanged, before a job starts: a broken
/// config or weight file would otherwise be copied into the output unnoticed, or fail only after the work.
enum SourceModelCheck {
    /// Verifies every component model_index.json names that Lethe knows, except `skipping` (the components the job
    /// loads and replaces itself): configs decode and validate, weights hold exactly the tensors the config implies
    /// with the right shapes (tensor data is not read), the tokenizer loads, the scheduler can be built.
    static func verify(_ folder: DiffusersModelFolder, skipping: Set<String>) throws {
        try checkCopyable(folder.url.path)
        for (component, pair) in folder.components.sorted(by: { $0.key < $1.key }) where !skipping.contains(component) {
            switch pair.last {
            case "UNet2DConditionModel": try UNet2DConditionModel.verify(in: folder, component: component)
            case "AutoencoderKL": try AutoencoderKL.verify(in: folder, component: component)
            case "CLIPTextModel": try CLIPTextModel.verify(in: folder, component: component)
            case "CLIPTokenizer", "CLIPTokenizerFast": _ = try CLIPTokenizer(folder: folder.componentFolder(component))
            default:
                if component == "scheduler" {
                    let configuration = try SchedulerConfiguration(folder: folder)
                    _ = try configuration.makeScheduler()
                }
            }
        }
    }

    /// Every entry the writer copies must be a regular file or a folder (links are followed): copying a FIFO or a
    /// device would block or read without end, and a broken link would fail half-way through the write.
    static func checkCopyable(_ root: String) throws {
        guard let entries = FileManager.default.enumerator(atPath: root) else { return }
        for case let entry as String in entries {
            // The writer skips hidden top-level entries (staging folders, caches); inside components it copies all.
            if entry.hasPrefix(".") {
                entries.skipDescendants()
                continue
            }
            let path = root + "/" + entry
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw ErasureError.invalidSourceEntry(path: path, reason: String(cString: strerror(errno)))
            }
            if (status.st_mode & S_IFMT) != S_IFDIR, let kind = InputFile.nonRegularKind(status.st_mode) {
                throw ErasureError.invalidSourceEntry(path: path, reason: "it is \(kind), not a regular file or folder")
            }
        }
    }
}
