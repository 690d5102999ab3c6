import Foundation
import LetheIO
import LetheTestSupport
import Testing

/// The reference fixtures made by Scripts/reference/make_image_fixtures.py (PIL, torchvision, diffusers, numpy).
enum ImageFixtures {
    struct DecodeCase: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let expected: String
        let width: Int
        let height: Int
        var testDescription: String { file }
    }

    struct ResizeCase: Decodable, Sendable, CustomTestStringConvertible {
        let filter: String
        let width: Int
        let height: Int
        let expected: String
        var testDescription: String { "\(filter) \(width)x\(height)" }
    }

    struct ResizeFixtures: Decodable {
        let source: String
        let width: Int
        let height: Int
        let cases: [ResizeCase]
    }

    struct Pipeline: Decodable {
        let pixels: String
        let tensor: String?
        let width: Int?
        let height: Int?
    }

    struct Pipelines: Decodable {
        let ti: Pipeline
        let fmn: Pipeline
        let torchvision_center_crop: Pipeline
    }

    struct Postprocess: Decodable {
        let count: Int
        let width: Int
        let inputs: String
        let np: String
        let pil: String
    }

    struct NumPyCase: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let shape: [Int]
        let headerOnly: Bool
        var testDescription: String { file }
    }

    struct Manifest: Decodable {
        let png: [DecodeCase]
        let jpeg: [DecodeCase]
        let resize: ResizeFixtures
        let pipelines: Pipelines
        let postprocess: Postprocess
        let npy: [NumPyCase]
    }

    static let directory: String = {
        do {
            return try Fixture.resource("images", in: .module).path
        } catch {
            fatalError("the LetheIOTests resource bundle has no image fixtures: \(error)")
        }
    }()

    static let manifest: Manifest = {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path("manifest.json"))))
        } catch {
            fatalError("cannot read the image fixture manifest: \(error)")
        }
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Little-endian float32 values.
    static func floats(_ name: String) throws -> [Float] {
        let raw = try bytes(name)
        return stride(from: 0, to: raw.count, by: 4).map { offset in
            Float(bitPattern: UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16
                | UInt32(raw[offset + 3]) << 24)
        }
    }

    /// A fresh directory for files a test writes.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lethe-image-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes the temporary directory holding `path` (or `path` itself if it is that directory).
    static func removeTemporary(_ path: String) {
        var url = URL(fileURLWithPath: path)
        while !url.lastPathComponent.hasPrefix("lethe-image-tests-"), url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
        }
        if url.lastPathComponent.hasPrefix("lethe-image-tests-") { try? FileManager.default.removeItem(at: url) }
    }

    /// The first pixel where two byte buffers differ, for readable failures.
    static func firstDifference(_ found: [UInt8], _ expected: [UInt8], width: Int) -> String {
        guard found.count == expected.count else { return "sizes differ: \(found.count) vs \(expected.count) bytes" }
        guard let index = found.indices.first(where: { found[$0] != expected[$0] }) else { return "identical" }
        let pixel = index / 3
        return "first difference at x \(pixel % width), y \(pixel / width), channel \(index % 3): "
            + "found \(found[index]), expected \(expected[index])"
    }
}

@Suite("Image fixtures")
struct ImageFixtureLoadingTests {
    @Test func everyFixtureNamedInTheManifestExists() throws {
        let manifest = ImageFixtures.manifest
        var names = manifest.png.flatMap { [$0.file, $0.expected] } + manifest.jpeg.flatMap { [$0.file, $0.expected] }
        names += [manifest.resize.source] + manifest.resize.cases.map(\.expected)
        names += [manifest.postprocess.inputs, manifest.postprocess.np, manifest.postprocess.pil]
        names += manifest.npy.map(\.file)
        for name in names {
            #expect(FileManager.default.fileExists(atPath: ImageFixtures.path(name)), "missing fixture \(name)")
        }
        #expect(manifest.png.count >= 20)
        #expect(manifest.jpeg.count >= 5)
    }
}
