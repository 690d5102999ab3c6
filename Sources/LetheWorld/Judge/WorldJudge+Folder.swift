import Foundation
import LetheIO
import LetheModels

/// A judge on disk is a folder of two files, as a diffusers component is: config.json (`WorldJudgeConfiguration`)
/// and model.safetensors (float32 weights under their PyTorch module paths).
extension WorldJudge {
    public static let configFileName = "config.json"
    public static let weightsFileName = "model.safetensors"

    /// Loads a judge folder strictly: the config must validate, every tensor the config implies must be there with
    /// its shape, and no other tensor may be; each failure names the file and the key.
    public static func load(from folder: URL) throws -> WorldJudge {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WorldJudgeError.missingFolder(path: folder.path)
        }
        let configURL = folder.appendingPathComponent(configFileName)
        let configuration = try WorldJudgeConfiguration.load(from: configURL)
        let weightsURL = folder.appendingPathComponent(weightsFileName)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelLoadingError.missingFile(path: weightsURL.path, expected: "the judge's weights (\(weightsFileName))")
        }
        let store = WeightStore(checkpoint: try SafeTensorsFile.open(weightsURL))
        let judge = try WorldJudge(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return judge
    }

    /// A judge of `configuration` that has not been trained: PyTorch's default initial weights drawn from `seed`,
    /// and the store that holds them (for `ParameterGradients`).
    public static func initialized(configuration: WorldJudgeConfiguration, seed: UInt64) throws -> (judge: WorldJudge, weights: WeightStore) {
        try WeightStore.initialized(seed: seed) { store in try WorldJudge(configuration: configuration, weights: store) }
    }

    /// Writes model.safetensors and config.json (`configuration`, by default the judge's own) into `folder`, an
    /// existing folder (a `StagingFolder`'s, so that the judge appears whole or not at all).
    public func write(into folder: URL, configuration: WorldJudgeConfiguration? = nil) throws {
        try SafeTensorsWriter.write(namedParameters.map { ($0.name, $0.tensor) }, metadata: ["format": "pt"],
                                    to: folder.appendingPathComponent(Self.weightsFileName))
        let document = try DocumentJSON.encode(configuration ?? self.configuration)
        try AtomicFileOutput.write([UInt8](document), to: folder.appendingPathComponent(Self.configFileName).path)
    }
}
