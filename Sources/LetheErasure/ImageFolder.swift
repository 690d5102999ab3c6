import LetheTensor
import Foundation
import LetheIO

/// The training images of a folder: every non-hidden file, in name order, decoded up front so that a file that is
/// not a PNG or JPEG fails before any training starts (naming the file).
public struct ImageFolder: Sendable {
    public let path: String
    /// File names (not paths), sorted by code point.
    public let names: [String]
    public let images: [ImageRGB8]

    public init(path: String) throws {
        self.path = path
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ErasureError.invalidSetting(Setting.images, reason: "is '\(path)', which is not a folder")
        }
        let entries: [String]
        do {
            entries = try fileManager.contentsOfDirectory(atPath: path)
        } catch {
            throw ErasureError.invalidSetting(Setting.images, reason: "folder '\(path)' cannot be listed (\(error))")
        }
        let names = entries.filter { !$0.hasPrefix(".") }.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        var images: [ImageRGB8] = []
        for name in names {
            let file = (path as NSString).appendingPathComponent(name)
            do {
                images.append(try ImageRGB8(contentsOfFile: file))
            } catch {
                throw ErasureError.invalidImage(path: file, reason: "\(error)")
            }
        }
        guard !images.isEmpty else { throw ErasureError.noImages(path: path) }
        self.names = names
        self.images = images
    }

    /// Images given directly (for generated training images).
    public init(images: [ImageRGB8], names: [String], path: String = "(generated)") {
        precondition(images.count == names.count && !images.isEmpty, "one name per image, at least one image")
        self.path = path
        self.names = names
        self.images = images
    }

    public var count: Int { images.count }

    /// `count` generated RGB images of `side`×`side` from their pixels one after another, named generated-N.png.
    public init(generatedPixels pixels: [UInt8], count: Int, side: Int) {
        let perImage = side * side * 3
        precondition(pixels.count == count * perImage, "\(pixels.count) bytes for \(count) images of \(side)×\(side)")
        self.init(images: (0..<count).map {
            ImageRGB8(width: side, height: side, pixels: Array(pixels[($0 * perImage)..<(($0 + 1) * perImage)]))
        }, names: (0..<count).map { "generated-\($0).png" })
    }
}
