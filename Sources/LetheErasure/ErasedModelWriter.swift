import Foundation
import LetheIO
import LetheModels
import LetheTensor

/// Writes an erased model as a complete diffusers folder: every component of the source copied unchanged except
/// the ones whose weights were edited, which are written as full-precision safetensors beside their config.json.
///
/// The folder is assembled under a hidden temporary name beside the destination and renamed into place only when
/// every file is written, so a failed or interrupted job never leaves a half-written model under the final name.
public struct ErasedModelWriter {
    public let source: DiffusersModelFolder
    public let destination: URL
    public let overwrite: Bool
    private var replaced: [String: [(String, Tensor)]] = [:]
    private var extraFiles: [(String, Data)] = []

    public init(source: DiffusersModelFolder, destination: URL, overwrite: Bool = false) throws {
        self.source = source
        self.destination = destination.standardizedFileURL
        self.overwrite = overwrite
        if !overwrite && FileManager.default.fileExists(atPath: self.destination.path) {
            throw ErasureError.outputExists(path: self.destination.path)
        }
    }

    /// Replaces a component's weights with `weights` (diffusers names, written in this order's sorted layout).
    public mutating func replaceWeights(of component: String, with weights: [(String, Tensor)]) {
        replaced[component] = weights
    }

    /// Replaces a component's weights with every tensor of a weight store (the model's full parameter set).
    public mutating func replaceWeights(of component: String, with store: WeightStore) {
        replaced[component] = store.layout.map { entry in
            (entry.name, Tensor(storage: store.arena, shape: entry.shape, offset: store.offsets[entry.name]!))
        }
    }

    /// Adds a file at the top of the folder (the erasure report, for example).
    public mutating func addFile(named name: String, contents: Data) {
        extraFiles.append((name, contents))
    }

    /// Writes everything under a temporary name, then renames it to the destination.
    public func commit() throws {
        let fileManager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        do {
            try? fileManager.removeItem(at: staging)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            try copyUnchangedComponents(into: staging)
            for (component, weights) in replaced.sorted(by: { $0.key < $1.key }) {
                try writeComponent(component, weights: weights, into: staging)
            }
            for (name, contents) in extraFiles {
                try contents.write(to: staging.appendingPathComponent(name), options: .atomic)
            }
            if fileManager.fileExists(atPath: destination.path) {
                // Only reachable with overwrite: move the old folder aside first so the rename below is atomic.
                let old = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
                try fileManager.moveItem(at: destination, to: old)
                try fileManager.moveItem(at: staging, to: destination)
                try? fileManager.removeItem(at: old)
            } else {
                try fileManager.moveItem(at: staging, to: destination)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            if let error = error as? ErasureError { throw error }
            throw ErasureError.outputFailed(path: destination.path, reason: "\(error)")
        }
    }

    /// Copies every top-level entry of the source except the replaced components (whose configs are copied below).
    private func copyUnchangedComponents(into staging: URL) throws {
        let fileManager = FileManager.default
        for name in try fileManager.contentsOfDirectory(atPath: source.url.path) where !name.hasPrefix(".") {
            if replaced[name] != nil { continue }
            try fileManager.copyItem(at: source.url.appendingPathComponent(name), to: staging.appendingPathComponent(name))
        }
    }

    /// The component's folder with its non-weight files (config.json and the like) and the new weights.
    private func writeComponent(_ component: String, weights: [(String, Tensor)], into staging: URL) throws {
        let fileManager = FileManager.default
        let sourceFolder = try source.componentFolder(component)
        let folder = staging.appendingPathComponent(component)
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try fileManager.contentsOfDirectory(atPath: sourceFolder.path)
        where !name.hasSuffix(".safetensors") && !name.hasSuffix(".safetensors.index.json") && !name.contains(".safetensors.index.")
            && !name.hasSuffix(".bin") && !name.hasPrefix(".") {
            try fileManager.copyItem(at: sourceFolder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let base = component == "text_encoder" ? "model" : "diffusion_pytorch_model"
        try SafeTensorsWriter.write(weights, metadata: ["format": "pt"], to: folder.appendingPathComponent("\(base).safetensors"))
    }
}
