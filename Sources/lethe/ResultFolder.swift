import ArgumentParser
import Foundation

/// The folder a world measurement writes (`lethe eval`, `lethe world privacy`): made new, or replaced with
/// --overwrite only when the same command wrote it. `finished` is the file a complete run leaves; `marker` is the
/// empty file the command writes first, so that --overwrite may also replace a run that was cut off (killed, out of
/// time) before its `finished` file. Call on rank 0 only.
enum ResultFolder {
    static func prepare(_ path: String, command: String, finished: String, marker: String, overwrite: Bool) throws {
        let folder = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: folder.path) {
            guard overwrite else {
                throw ValidationError("--output '\(path)' exists; pass --overwrite to replace what \(command) wrote there, or name a new folder")
            }
            guard [finished, marker].contains(where: { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) else {
                throw ValidationError("--output '\(path)' exists and \(command) did not write it (no \(finished)); it is kept")
            }
            try FileManager.default.removeItem(at: folder)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent(marker))
    }
}
