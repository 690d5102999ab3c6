import Foundation
import LetheErasure
import LetheIO

/// The image files `lethe judge` reads: each argument is an image file, or a folder whose PNG and JPEG files
/// (by extension, not hidden, not in subfolders) it reads in name order. A file named directly is read whatever
/// its name, so a wrong one fails with the decoder's message naming it.
enum JudgedImages {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    static func files(_ arguments: [String]) throws -> [String] {
        try arguments.flatMap { argument -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue else {
                return [argument]
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: argument)
            } catch {
                throw ErasureError.invalidInput(name: "image folder '\(argument)'",
                                                reason: "cannot be listed (\(FileSystemErrorText.reason(error)))")
            }
            let names = entries.filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            guard !names.isEmpty else { throw ErasureError.noImages(path: argument) }
            return names.map { (argument as NSString).appendingPathComponent($0) }
        }
    }
}
