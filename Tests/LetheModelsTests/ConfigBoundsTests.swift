import Foundation
import LetheModels
import Testing

/// Sizes in unet/ and vae/ config.json files are bounded when the file is read, so that a config asking for a
/// billion layers or pixels is an error naming the file and the key, not a trap, a failed allocation or a hang.
@Suite("Config size bounds")
struct ConfigBoundsTests {
    private func unet(_ key: String, _ json: String) throws -> ModelLoadingError? {
        let text = try configText(unetConfigSD15, setting: key, to: json)
        return modelLoadingError("\(key) = \(json)") {
            try UNet2DConditionConfiguration.decode(Data(text.utf8), source: "unet/config.json")
        }
    }

    private func vae(_ key: String, _ json: String) throws -> ModelLoadingError? {
        let text = try configText(vaeConfigSD15, setting: key, to: json)
        return modelLoadingError("\(key) = \(json)") {
            try AutoencoderKLConfiguration.decode(Data(text.utf8), source: "vae/config.json")
        }
    }

    @Test(arguments: [
        ("sample_size", "0"), ("sample_size", "1000000000"), ("sample_size", "[64, -1]"),
        ("layers_per_block", "1000000000"), ("transformer_layers_per_block", "1000000000"),
    ])
    func unetSizesAreBounded(key: String, json: String) throws {
        guard let error = try unet(key, json) else { return }
        guard case .invalidConfig(let path, let reported, _) = error else {
            Issue.record("expected invalidConfig, got \(error)")
            return
        }
        #expect(path == "unet/config.json" && reported == key)
        #expect(error.description.contains("unet/config.json") && error.description.contains(key))
    }

    @Test func sampleSizeMessageGivesTheLimit() throws {
        let error = try #require(try unet("sample_size", "1000000000"))
        #expect(error.description == "Config 'unet/config.json': sample_size is 1000000000; it must be between 1 and 16384.")
    }

    @Test(arguments: [
        ("sample_size", "0"), ("sample_size", "1000000000"), ("layers_per_block", "1000000000"),
    ])
    func vaeSizesAreBounded(key: String, json: String) throws {
        guard let error = try vae(key, json) else { return }
        guard case .invalidConfig(let path, let reported, _) = error else {
            Issue.record("expected invalidConfig, got \(error)")
            return
        }
        #expect(path == "vae/config.json" && reported == key)
    }

    @Test func vaeScaleFactorIsBounded() throws {
        var object = try #require(JSONSerialization.jsonObject(with: Data(vaeConfigSD15.utf8)) as? [String: Any])
        object["block_out_channels"] = [Int](repeating: 128, count: 70)
        object["down_block_types"] = [String](repeating: "DownEncoderBlock2D", count: 70)
        object["up_block_types"] = [String](repeating: "UpDecoderBlock2D", count: 70)
        let data = try JSONSerialization.data(withJSONObject: object)
        let error = modelLoadingError("70 VAE blocks") { try AutoencoderKLConfiguration.decode(data, source: "vae/config.json") }
        #expect(error?.description.contains("block_out_channels has 70 entries; at most 8") == true)
    }

    /// Foundation calls a number that does not fit its field "not valid JSON" without a key; the error names it.
    @Test(arguments: ["1.5", "1e30", "[64, 2.5]"])
    func numbersOfTheWrongTypeNameTheirKey(json: String) throws {
        let error = try #require(try unet("sample_size", json))
        guard case .unreadableConfig(_, let reason) = error else {
            Issue.record("expected unreadableConfig, got \(error)")
            return
        }
        #expect(reason.contains("\"sample_size\""))
        #expect(!reason.contains("not valid JSON"))
    }

    @Test func brokenJSONIsStillCalledSo() throws {
        let error = modelLoadingError("cut file") {
            try UNet2DConditionConfiguration.decode(Data(#"{"sample_size": "#.utf8), source: "unet/config.json")
        }
        #expect(error?.description.contains("not valid JSON") == true)
    }
}
