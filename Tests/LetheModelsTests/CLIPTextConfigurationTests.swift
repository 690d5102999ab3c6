import Foundation
import LetheModels
import LetheTestSupport
import Testing

/// Decoding of text_encoder/config.json as transformers' CLIPTextConfig reads it.
@Suite("CLIPTextConfiguration")
struct CLIPTextConfigurationTests {
    /// runwayml/stable-diffusion-v1-5 text_encoder/config.json.
    static let sd15 = """
        {
          "architectures": [
            "CLIPTextModel"
          ],
          "attention_dropout": 0.0,
          "bos_token_id": 0,
          "dropout": 0.0,
          "eos_token_id": 2,
          "hidden_act": "quick_gelu",
          "hidden_size": 768,
          "initializer_factor": 1.0,
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "layer_norm_eps": 1e-05,
          "max_position_embeddings": 77,
          "model_type": "clip_text_model",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 1,
          "projection_dim": 768,
          "torch_dtype": "float32",
          "transformers_version": "4.37.2",
          "vocab_size": 49408
        }
        """

    /// stabilityai/stable-diffusion-2-1-base text_encoder/config.json (OpenCLIP ViT-H text tower, 23 of its 24
    /// layers kept).
    static let sd21 = """
        {
          "_name_or_path": "./stability/stable-diffusion-2-1-base/text_encoder",
          "architectures": [
            "CLIPTextModel"
          ],
          "attention_dropout": 0.0,
          "bos_token_id": 0,
          "dropout": 0.0,
          "eos_token_id": 2,
          "hidden_act": "gelu",
          "hidden_size": 1024,
          "initializer_factor": 1.0,
          "initializer_range": 0.02,
          "intermediate_size": 4096,
          "layer_norm_eps": 1e-05,
          "max_position_embeddings": 77,
          "model_type": "clip_text_model",
          "num_attention_heads": 16,
          "num_hidden_layers": 23,
          "pad_token_id": 1,
          "projection_dim": 512,
          "torch_dtype": "float16",
          "transformers_version": "4.26.0.dev0",
          "vocab_size": 49408
        }
        """

    static func decode(_ json: String) throws -> CLIPTextConfiguration {
        try CLIPTextConfiguration(jsonData: Data(json.utf8), source: "test config.json")
    }

    /// The ModelLoadingError a config raises, or nil.
    static func loadingError(_ json: String) -> ModelLoadingError? {
        do {
            _ = try decode(json)
            return nil
        } catch {
            return error as? ModelLoadingError
        }
    }

    @Test("Stable Diffusion 1.5")
    func sd15Config() throws {
        let config = try Self.decode(Self.sd15)
        #expect(config.vocabSize == 49408 && config.hiddenSize == 768 && config.intermediateSize == 3072)
        #expect(config.numHiddenLayers == 12 && config.numAttentionHeads == 12 && config.headDimension == 64)
        #expect(config.maxPositionEmbeddings == 77 && config.layerNormEps == 1e-5 && config.projectionDim == 768)
        #expect(config.bosTokenID == 0 && config.eosTokenID == 2 && config.padTokenID == 1)
        #expect(try config.activation() == .quickGelu)
        #expect(config.architectures == ["CLIPTextModel"] && config.modelType == "clip_text_model")
    }

    @Test("Stable Diffusion 2.1: gelu, 23 layers")
    func sd21Config() throws {
        let config = try Self.decode(Self.sd21)
        #expect(config.hiddenSize == 1024 && config.intermediateSize == 4096 && config.numHiddenLayers == 23)
        #expect(config.numAttentionHeads == 16 && config.headDimension == 64 && config.projectionDim == 512)
        #expect(config.eosTokenID == 2)
        #expect(try config.activation() == .gelu)
    }

    @Test("absent keys take transformers' CLIPTextConfig defaults")
    func defaults() throws {
        let config = try Self.decode("{}")
        #expect(config.vocabSize == 49408 && config.hiddenSize == 512 && config.intermediateSize == 2048)
        #expect(config.projectionDim == 512 && config.numHiddenLayers == 12 && config.numAttentionHeads == 8)
        #expect(config.maxPositionEmbeddings == 77 && config.hiddenAct == "quick_gelu" && config.layerNormEps == 1e-5)
        #expect(config.padTokenID == 1 && config.bosTokenID == 49406 && config.eosTokenID == 49407)
        #expect(config.architectures == nil)
        #expect(config == CLIPTextConfiguration())
    }

    @Test("explicit nulls and a single-id eos list")
    func nullsAndLists() throws {
        let config = try Self.decode(#"{"pad_token_id": null, "eos_token_id": [49407], "projection_dim": null}"#)
        #expect(config.padTokenID == nil && config.projectionDim == nil && config.eosTokenID == 49407)
        let error = try #require(Self.loadingError(#"{"eos_token_id": [49407, 2]}"#))
        #expect(error.description.contains("eos_token_id") && error.description.contains("test config.json"))
    }

    @Test("a full CLIPConfig decodes from its text_config")
    func nestedTextConfig() throws {
        let config = try Self.decode("""
            {"model_type": "clip", "projection_dim": 768,
             "text_config": {"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 3,
                             "hidden_act": "gelu_new", "model_type": "clip_text_model"},
             "vision_config": {"hidden_size": 1024, "model_type": "clip_vision_model"}}
            """)
        #expect(config.hiddenSize == 64 && config.numAttentionHeads == 4 && config.numHiddenLayers == 3)
        #expect(try config.activation() == .geluNew)
    }

    @Test("every supported activation name", arguments: [
        ("quick_gelu", CLIPTextActivation.quickGelu), ("gelu", .gelu), ("gelu_new", .geluNew),
        ("gelu_pytorch_tanh", .geluPyTorchTanh),
    ])
    func activations(name: String, expected: CLIPTextActivation) throws {
        #expect(try Self.decode(#"{"hidden_act": "\#(name)"}"#).activation() == expected)
    }

    @Test("unsupported activation, model type and architecture are named")
    func unsupported() throws {
        let supported = "quick_gelu, gelu, gelu_new, gelu_pytorch_tanh"
        #expect(Self.loadingError(#"{"hidden_act": "relu"}"#)
                == .unsupported(path: "test config.json", key: "hidden_act", value: "\"relu\"", supported: supported))
        #expect(Self.loadingError(#"{"model_type": "t5"}"#)
                == .unsupported(path: "test config.json", key: "model_type", value: "\"t5\"", supported: "clip_text_model"))
        let architecture = try #require(Self.loadingError(#"{"architectures": ["CLIPTextModelWithProjection"]}"#))
        #expect(architecture.description.contains("architectures") && architecture.description.contains("CLIPTextModelWithProjection"))
    }

    @Test("invalid sizes are rejected with the key")
    func invalidSizes() throws {
        #expect(Self.loadingError(#"{"hidden_size": 10, "num_attention_heads": 3}"#)
                == .invalidConfig(path: "test config.json", key: "hidden_size",
                                  reason: "(10) must be a multiple of num_attention_heads (3)"))
        #expect(Self.loadingError(#"{"num_hidden_layers": 0}"#)
                == .invalidConfig(path: "test config.json", key: "num_hidden_layers", reason: "must be positive, found 0"))
        #expect(Self.loadingError(#"{"layer_norm_eps": -1}"#)
                == .invalidConfig(path: "test config.json", key: "layer_norm_eps", reason: "must be a positive number, found -1.0"))
        let typeError = try #require(Self.loadingError(#"{"hidden_size": "768"}"#))
        #expect(typeError.description.contains("hidden_size") && typeError.description.contains("test config.json"))
    }

    @Test("encodes with transformers' keys and decodes back")
    func roundTrip() throws {
        let config = try Self.decode(Self.sd21)
        let data = try JSONEncoder().encode(config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["num_hidden_layers"] as? Int == 23 && object["hidden_act"] as? String == "gelu")
        #expect(try CLIPTextConfiguration(jsonData: data) == config)
    }

    @Test("the fixture pipelines' configs", arguments: [("sd1-tiny", 8, CLIPTextActivation.quickGelu), ("sd2-tiny", 16, .gelu)])
    func fixtureConfigs(pipeline: String, hiddenSize: Int, activation: CLIPTextActivation) throws {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline(pipeline))
        let config = try CLIPTextConfiguration(contentsOf: folder.componentFile("text_encoder", "config.json"))
        #expect(config.hiddenSize == hiddenSize && config.numHiddenLayers == 2 && config.eosTokenID == 49407)
        #expect(try config.activation() == activation)
    }
}
