import LetheTensor
import Foundation
import LetheCheckpoint
import LetheIO

/// The training images of a folder: every non-hidden file, in name order, decoded up front so that a file that is
/// not a PNG or JPEG fails before any training starts (naming the file). Only pixels are kept: no metadata (EXIF,
/// GPS, XMP, comments, text chunks) survives decoding. Files whose content hash is listed in `excluding` are left
/// out (`--exclude-hashes`).
public struct ImageFolder: Sendable {
    public let path: String
    /// File names (not paths), sorted by code point.
    public let names: [String]
    public let images: [ImageRGB8]
    /// SHA-256 of each kept file's bytes, hexadecimal.
    public let hashes: [String]
    /// Files left out because their hash was listed.
    public let excludedCount: Int

    public init(path: String, excluding excluded: ImageExclusions? = nil) throws {
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
        let listed = entries.filter { !$0.hasPrefix(".") }.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        var (names, images, hashes, excludedCount) = ([String](), [ImageRGB8](), [String](), 0)
        for name in listed {
            let file = (path as NSString).appendingPathComponent(name)
            do {
                let bytes = try InputFile.read(file)
                let hash = SHA256Hex.of(bytes)
                if excluded?.hashes.contains(hash) == true {
                    excludedCount += 1
                    continue
                }
                images.append(try ImageRGB8(decoding: bytes, source: file))
                names.append(name)
                hashes.append(hash)
            } catch {
                throw ErasureError.invalidImage(path: file, reason: "\(error)")
            }
        }
        guard !images.isEmpty else { throw ErasureError.noImages(path: path) }
        self.names = names
        self.images = images
        self.hashes = hashes
        self.excludedCount = excludedCount
    }

    /// One SHA-256 over the kept files' hashes in name order: names the image set in reports and checkpoints (a
    /// resumed job must see the same images) without naming or fingerprinting any one image.
    public var contentDigest: String {
        SHA256Hex.of(Array(hashes.joined(separator: "\n").utf8))
    }

    /// Images given directly (for generated training images).
    public init(images: [ImageRGB8], names: [String], path: String = "(generated)") {
        precondition(images.count == names.count && !images.isEmpty, "one name per image, at least one image")
        self.path = path
        self.names = names
        self.images = images
        hashes = images.map { SHA256Hex.of($0.pixels) }
        excludedCount = 0
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

/// `--exclude-hashes FILE`: images to leave out of a training set, by the SHA-256 of their file's bytes, one per line
/// as `sha256sum` prints them (`HASH  name`; what follows the hash is ignored, so the list need not name anyone);
/// blank lines and lines starting with # are skipped.
public struct ImageExclusions: Sendable {
    public let hashes: Set<String>

    public init(contentsOf path: String) throws {
        let text: String
        do {
            text = try InputFile.text(path, limit: 64 << 20)
        } catch {
            throw ErasureError.invalidSetting(Setting.excludeHashes, reason: "'\(path)' cannot be read (\(error))")
        }
        var hashes = Set<String>()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let hash = trimmed.prefix { !$0.isWhitespace }.lowercased()
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw ErasureError.invalidSetting(
                    Setting.excludeHashes, reason: "'\(path)' line \(number + 1) does not start with a SHA-256 (64 hex digits, as sha256sum prints)")
            }
            hashes.insert(hash)
        }
        self.hashes = hashes
    }
}

/// What a training job keeps of who is in its images: the settings, reports and checkpoints name the image set by
/// its count and one digest of its contents, never a file name; names reach the log only when asked
/// (`--log-image-names`). Images listed by hash are left out (`--exclude-hashes`).
public struct ImageRecordPolicy: Sendable {
    public var exclusions: ImageExclusions?
    public var logImageNames = false

    public init(exclusions: ImageExclusions? = nil, logImageNames: Bool = false) {
        self.exclusions = exclusions
        self.logImageNames = logImageNames
    }

    /// The image folder at `path`, with the exclusions applied; `log` hears how many were left out, and the names
    /// when asked.
    func load(_ path: String, log: (String) -> Void) throws -> ImageFolder {
        let folder = try ImageFolder(path: path, excluding: exclusions)
        if exclusions != nil {
            log("\(Setting.excludeHashes): left out \(folder.excludedCount) image(s), training on \(folder.count)")
        }
        if logImageNames { log("images: \(folder.names.joined(separator: ", "))") }
        return folder
    }

    /// The settings that describe the image set: its size and contents, not where it is or what its files are called.
    static func settings(for folder: ImageFolder) -> [String: String] {
        var settings = ["images": "folder of \(folder.count)", "images_sha256": folder.contentDigest]
        if folder.excludedCount > 0 { settings["images_excluded"] = "\(folder.excludedCount)" }
        return settings
    }
}
