import Foundation
import LetheCheckpoint
import LetheIO
import LetheModels

/// What `lethe world train` records beside the model it wrote (`world_recipe.json`): the command and settings, the
/// measured scaling factor, the loss curves, the time of each stage, and the size and SHA-256 of every file of the
/// folder, so that anyone can check a folder is what the recipe made (the shipped default model is tested so).
public struct WorldRecipeRecord: Codable, Sendable {
    public static let fileName = "world_recipe.json"

    public var command: String
    public var settings: [String: String]
    public var ranks: Int
    public var scalingFactor: Double
    public var vaeLoss: [Double]
    public var vaeReconstruction: [Double]
    public var diffusionLoss: [Double]
    /// Seconds per stage (vae, encode, diffusion, write).
    public var timings: [String: Double]
    /// Relative path → size and SHA-256 of every file of the folder but this record.
    public var files: [String: FileDigest]

    public struct FileDigest: Codable, Sendable, Equatable {
        public var bytes: Int
        public var sha256: String
    }

    enum CodingKeys: String, CodingKey {
        case command, settings, ranks, timings, files
        case scalingFactor = "scaling_factor", vaeLoss = "vae_loss", vaeReconstruction = "vae_reconstruction"
        case diffusionLoss = "diffusion_loss"
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func read(from folder: URL) throws -> WorldRecipeRecord {
        let url = folder.appendingPathComponent(fileName)
        let data = try InputFile.read(url.path)
        do {
            return try JSONDecoder().decode(WorldRecipeRecord.self, from: Data(data))
        } catch let error as DecodingError {
            throw ModelLoadingError.unreadableConfig(path: url.path, reason: error.explanation(in: Data(data), decoding: WorldRecipeRecord.self))
        }
    }

    /// Size and SHA-256 of every regular file under `folder` (but the record), by path relative to it.
    public static func fileDigests(in folder: URL) throws -> [String: FileDigest] {
        var result: [String: FileDigest] = [:]
        let root = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
        for case let relative as String in walker where relative != fileName {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let bytes = try InputFile.read(path)
            result[relative] = FileDigest(bytes: bytes.count, sha256: SHA256Hex.of(bytes))
        }
        return result
    }
}
