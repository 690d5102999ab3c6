import Foundation
import LetheIO

/// Where the test fixtures are: the repository's `Tests/Fixtures` (the tiny diffusers pipelines and the Python
/// reference outputs, shared by every test target and found from this file's path), and a test target's own
/// `Fixtures` resources (copied into its resource bundle, so found through the bundle the target passes,
/// `Bundle.module`).
public enum Fixture {
    /// The repository's `Tests` folder.
    public static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures`.
    public static let root = tests.appendingPathComponent("Fixtures")

    /// A path under `Tests/Fixtures`, e.g. "references/optimizers.safetensors".
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// A tiny diffusers pipeline folder, e.g. "sd1-tiny".
    public static func pipeline(_ name: String) -> URL { url("pipelines/\(name)") }

    /// A temporary copy of sd1-tiny with sd2-tiny's text encoder (hidden size 16 beside a UNet whose
    /// cross_attention_dim is 8): a folder mixing model families, which every loader must refuse. The caller removes it.
    public static func mixedFamilyPipeline() throws -> URL {
        let manager = FileManager.default
        let mixed = manager.temporaryDirectory.appendingPathComponent("lethe-mixed-\(UUID().uuidString)")
        try manager.copyItem(at: pipeline("sd1-tiny"), to: mixed)
        try manager.removeItem(at: mixed.appendingPathComponent("text_encoder"))
        try manager.copyItem(at: pipeline("sd2-tiny").appendingPathComponent("text_encoder"),
                             to: mixed.appendingPathComponent("text_encoder"))
        return mixed
    }

    /// A reference file by its full name, e.g. "closed-form.safetensors".
    public static func reference(_ name: String) -> URL { url("references/\(name)") }

    /// The safetensors reference file `<name>.safetensors`, opened.
    public static func references(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.open(reference("\(name).safetensors"))
    }

    /// A path under the `Fixtures` resources of the test target whose bundle is given (`Bundle.module`), e.g.
    /// "schedulers/timesteps.json"; throws if the bundle has no such file or folder.
    public static func resource(_ relativePath: String, in bundle: Bundle) throws -> URL {
        guard let base = bundle.resourceURL else { throw FixtureError.noResources(bundle.bundlePath) }
        let url = base.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw FixtureError.missing(url.path) }
        return url
    }
}

/// A fixture that is not where it should be.
public enum FixtureError: Error, CustomStringConvertible {
    case noResources(String)
    case missing(String)

    public var description: String {
        switch self {
        case .noResources(let bundle): "the bundle \(bundle) has no resources"
        case .missing(let path): "missing fixture \(path)"
        }
    }
}
