import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheWorld
import Testing

@Suite("Judge folders")
struct WorldJudgeFolderTests {
    /// A folder holding an untrained tiny judge; the caller removes it.
    private func writtenJudge() throws -> (judge: WorldJudge, folder: URL) {
        let (judge, _) = try WorldJudge.initialized(configuration: tinyJudgeConfiguration, seed: 4)
        let folder = try temporaryFolder("judge")
        try judge.write(into: folder)
        return (judge, folder)
    }

    /// Rewrites the folder's weights with `edit` applied to the (name, tensor) list.
    private func rewriteWeights(in folder: URL, _ edit: (inout [(String, Tensor)]) -> Void) throws {
        let url = folder.appendingPathComponent(WorldJudge.weightsFileName)
        let file = try SafeTensorsFile.open(url)
        var tensors = try file.tensorNames.map { ($0, try file.tensor(named: $0)) }
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, to: url)
    }

    @Test("Save then load gives the same weights, config and outputs")
    func roundTrip() throws {
        let (judge, folder) = try writtenJudge()
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded = try WorldJudge.load(from: folder)
        #expect(loaded.configuration == judge.configuration)
        #expect(loaded.namedParameters.map(\.name) == judge.namedParameters.map(\.name))
        let file = try SafeTensorsFile.open(folder.appendingPathComponent(WorldJudge.weightsFileName))
        #expect(file.tensorNames.contains("stages.1.downsample.conv.weight") && file.tensorNames.contains("artist_head.bias"))
        let (images, _) = try judgeBatch([0, 1, 2])
        let (before, after) = (judge.forward(images), loaded.forward(images))
        #expect(before.features.toArray() == after.features.toArray())
        #expect(before.shapeLogits.toArray() == after.shapeLogits.toArray())
        #expect(before.artistLogits.toArray() == after.artistLogits.toArray())
        #expect(try judge.features(images).shape == [3, 16])
        #expect(try judge.predict(images) == loaded.predict(images))
    }

    @Test("A missing tensor, a misshaped one or an extra one is refused, naming the file and the key")
    func strictWeights() throws {
        let (_, folder) = try writtenJudge()
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent(WorldJudge.weightsFileName).path
        try rewriteWeights(in: folder) { $0.removeAll { $0.0 == "color_head.weight" } }
        #expect(throws: ModelLoadingError.missingWeight(checkpoint: weights, key: "color_head.weight")) {
            try WorldJudge.load(from: folder)
        }
        try rewriteWeights(in: folder) { $0.append(("color_head.weight", Tensor(zeros: [10, 8]))) }
        #expect(throws: ModelLoadingError.wrongShape(checkpoint: weights, key: "color_head.weight", expected: [10, 16],
                                                     found: [10, 8])) {
            try WorldJudge.load(from: folder)
        }
        try rewriteWeights(in: folder) { tensors in
            tensors.removeAll { $0.0 == "color_head.weight" }
            tensors.append(("color_head.weight", Tensor(zeros: [10, 16])))
            tensors.append(("extra_head.weight", Tensor(zeros: [2, 2])))
        }
        #expect(throws: ModelLoadingError.unexpectedWeights(checkpoint: weights, keys: ["extra_head.weight"])) {
            try WorldJudge.load(from: folder)
        }
    }

    @Test("A missing folder, a missing or unreadable config and a config with a bad size name what is wrong")
    func badFolders() throws {
        let (_, folder) = try writtenJudge()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("nowhere")
        #expect(throws: WorldJudgeError.missingFolder(path: missing.path)) { try WorldJudge.load(from: missing) }
        let config = folder.appendingPathComponent(WorldJudge.configFileName)
        let text = try String(contentsOf: config, encoding: .utf8)
        func loadError(_ replacement: String) throws -> String {
            try replacement.write(to: config, atomically: true, encoding: .utf8)
            do {
                _ = try WorldJudge.load(from: folder)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        let withoutKey = try loadError(text.replacingOccurrences(of: "\"norm_groups\"", with: "\"norm_grups\""))
        #expect(withoutKey.contains(config.path) && withoutKey.contains("norm_groups"), "\(withoutKey)")
        let badSize = try loadError(text.replacingOccurrences(of: "\"image_size\" : 16", with: "\"image_size\" : 20"))
        #expect(badSize.contains(config.path) && badSize.contains("image_size"), "\(badSize)")
        let notJSON = try loadError("{ not json")
        #expect(notJSON.contains(config.path), "\(notJSON)")
        try FileManager.default.removeItem(at: config)
        #expect(throws: ModelLoadingError.missingFile(path: config.path, expected: "a config.json")) {
            try WorldJudge.load(from: folder)
        }
    }

    @Test("Images of the wrong size are refused by the tensor API and resized from decoded images")
    func imageSizes() throws {
        let (judge, _) = try WorldJudge.initialized(configuration: tinyJudgeConfiguration, seed: 4)
        #expect(throws: WorldJudgeError.self) { try judge.predict(Tensor(zeros: [1, 3, 8, 8])) }
        let wide = ImageRGB8(width: 40, height: 24)
        #expect(try judge.predict([wide, wide]).count == 2)
    }
}
