import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The PyTorch reference values of Scripts/reference/make_optimizer_fixtures.py (Tests/Fixtures/references), and the
/// small weight store they describe.
enum OptimizerFixtures {
    static let url = Fixture.reference("optimizers.safetensors")

    /// The store's parameters in request order; the token embedding trains rows 5 and 2, the frozen one nothing.
    static let layout: [(name: String, shape: [Int])] = [
        ("embeddings.token_embedding.weight", [7, 5]),
        ("block.attn2.to_k.weight", [13, 11]),
        ("block.attn2.to_k.bias", [13]),
        ("block.frozen.weight", [4, 3]),
        ("block.norm.weight", [37]),
    ]
    static let embedding = "embeddings.token_embedding.weight"
    static let selection = ParameterSelection(patterns: [NamePattern("attn2"), NamePattern("norm")],
                                              rows: [embedding: [5, 2]])

    static func file() throws -> SafeTensorsFile { try SafeTensorsFile.open(url) }

    /// A case's settings: its entry in the JSON object the script stored in the metadata under "settings".
    static func settings<Settings: Decodable>(_ name: String, as type: Settings.Type, in file: SafeTensorsFile) throws -> Settings {
        let text = try #require(file.metadata?["settings"], "the fixture has no settings")
        let decoder = JSONDecoder()
        decoder.userInfo[CaseSettings<Settings>.nameKey] = name
        return try decoder.decode(CaseSettings<Settings>.self, from: Data(text.utf8)).settings
    }

    /// Decodes one entry of a JSON object, named by the decoder's user info, straight from the text (no
    /// re-encoding, so every double stays as Python wrote it).
    private struct CaseSettings<Settings: Decodable>: Decodable {
        static var nameKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "case")! }
        let settings: Settings

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let name = try #require(decoder.userInfo[Self.nameKey] as? String)
            settings = try decoder.container(keyedBy: Key.self).decode(Settings.self, forKey: Key(stringValue: name))
        }
    }

    /// A float64 tensor's values, unrounded.
    static func doubles(_ name: String, in file: SafeTensorsFile) throws -> [Double] {
        let info = try #require(file.info(named: name))
        #expect(info.dtype == .f64)
        return try file.withRawBytes(named: name) { bytes in
            (0..<(bytes.count / 8)).map { Double(bitPattern: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
    }

    /// The store holding the fixture's initial values, and its gradient buffer.
    static func gradients(_ file: SafeTensorsFile) throws -> (WeightStore, ParameterGradients) {
        let (_, store) = try WeightStore.random(seed: 7) { store in
            try layout.map { try store.tensor($0.name, shape: $0.shape) }
        }
        for (name, _) in layout {
            try parameter(name, of: store).assign(try file.tensor(named: "initial.\(name)"))
        }
        return (store, try ParameterGradients(store: store, selection: selection))
    }

    /// The parameter `name` as a view of the arena.
    static func parameter(_ name: String, of store: WeightStore) throws -> Tensor {
        let shape = try #require(layout.first { $0.name == name }?.shape)
        return Tensor(storage: store.arena, shape: shape, offset: try #require(store.offsets[name]))
    }

    /// Writes the fixture's gradients `prefix.<name>` (e.g. "gradient3") into the gradient buffer.
    static func loadGradients(_ prefix: String, into gradients: ParameterGradients, from file: SafeTensorsFile) throws {
        for entry in gradients.entries {
            try #require(gradients.gradient(named: entry.name)).assign(try file.tensor(named: "\(prefix).\(entry.name)"))
        }
    }
}
