import Foundation

/// Paths of the shared test fixtures (tiny diffusers pipelines and Python reference values).
enum ErasureFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static func pipeline(_ name: String) -> URL { root.appendingPathComponent("pipelines/\(name)") }
    static func reference(_ name: String) -> URL { root.appendingPathComponent("references/\(name)") }
}
