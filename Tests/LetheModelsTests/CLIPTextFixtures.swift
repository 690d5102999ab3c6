import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The text encoders of the committed tiny pipelines, their transformers reference outputs (sd1-tiny / sd2-tiny from
/// make_pipeline_fixtures.py, clip-text-extras from make_clip_text_fixtures.py; found with `Fixture`), and how the
/// text encoder tests compare against them.
enum CLIPTextFixtures {
    static func model(_ pipelineName: String) throws -> CLIPTextModel {
        try CLIPTextModel(folder: DiffusersModelFolder(url: Fixture.pipeline(pipelineName)))
    }

    /// An integer [batch, length] reference tensor as token ids.
    static func ids(_ file: SafeTensorsFile, _ name: String) throws -> CLIPTextTokenIDs {
        let shape = try #require(file.info(named: name)?.shape)
        return try CLIPTextTokenIDs(batch: shape[0], length: shape[1], values: file.int64Values(named: name))
    }

    /// An integer [batch, length] reference tensor as nested rows (attention masks).
    static func rows(_ file: SafeTensorsFile, _ name: String) throws -> [[Int]] {
        let shape = try #require(file.info(named: name)?.shape)
        let values = try file.int64Values(named: name).map { Int($0) }
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }

    /// Checks `actual` against `expected` with the bound (max |a − b| / max |b| over the whole tensor),
    /// printing it and the elementwise max |a − b| / (|b| + 1e-3).
    static func expectClose(_ actual: Tensor, _ expected: Tensor, _ label: String, bound: Double = 1e-4,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, "\(label): shape", sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let error = RelativeError(actual, expected)
        let relative = error.value, elementwise = error.elementwise
        print("CLIPText \(label): max relative error \(relative), max elementwise \(elementwise)")
        #expect(relative <= bound, "\(label): max relative error \(relative)", sourceLocation: sourceLocation)
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-clip-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The sd1-tiny text encoder's checkpoint and config.
    static func sd1Checkpoint() throws -> (CLIPTextConfiguration, SafeTensorsCollection) {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny"))
        let configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json"))
        return (configuration, try folder.weights(of: "text_encoder"))
    }

    /// Writes the sd1-tiny text encoder's tensors, renamed by `rename` (nil drops one), plus `extra` entries.
    static func rewrittenSD1Checkpoint(in folder: URL, extra: [SafeTensorsEntry] = [],
                                       rename: (String) -> String? = { $0 }) throws -> SafeTensorsCollection {
        let (_, checkpoint) = try sd1Checkpoint()
        var entries = extra
        for name in checkpoint.tensorNames {
            if let newName = rename(name) { entries.append(try SafeTensorsEntry(copying: name, from: checkpoint, as: newName)) }
        }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write(entries: entries, to: url)
        return try SafeTensorsCollection.open(url)
    }
}
