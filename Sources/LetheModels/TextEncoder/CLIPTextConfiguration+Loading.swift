import Foundation
import LetheIO

extension CLIPTextConfiguration {
    /// Decodes and validates a text encoder config.json; `source` names it in errors (a path or a description).
    public init(jsonData: Data, source: String = "text_encoder/config.json") throws {
        do {
            self = try JSONDecoder().decode(CLIPTextConfiguration.self, from: jsonData)
        } catch let error as DecodingError {
            throw ModelLoadingError.unreadableConfig(path: source, reason: error.explanation(in: jsonData, decoding: CLIPTextConfiguration.self))
        } catch {
            throw ModelLoadingError.unreadableConfig(path: source, reason: "\(error)")
        }
        try validate(source: source)
    }

    /// Reads, decodes and validates a text encoder config.json file.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelLoadingError.missingFile(path: url.path, expected: "a CLIPTextModel config.json")
        }
        try self.init(jsonData: JSONConfig.read(url), source: url.path)
    }

    /// The activation `hidden_act` names; throws for names Lethe does not implement.
    public func activation(source: String = "text_encoder/config.json") throws -> CLIPTextActivation {
        guard let activation = CLIPTextActivation(rawValue: hiddenAct) else {
            throw ModelLoadingError.unsupported(path: source, key: "hidden_act", value: "\"\(hiddenAct)\"",
                                                supported: CLIPTextActivation.supportedNames)
        }
        return activation
    }

    /// Checks that the values describe a text model Lethe can build (transformers' own check is the head split).
    public func validate(source: String = "text_encoder/config.json") throws {
        if let modelType, modelType != "clip_text_model" {
            throw ModelLoadingError.unsupported(path: source, key: "model_type", value: "\"\(modelType)\"",
                                                supported: "clip_text_model")
        }
        if let architectures, !architectures.isEmpty, !architectures.contains("CLIPTextModel") {
            throw ModelLoadingError.unsupported(path: source, key: "architectures", value: "\(architectures)",
                                                supported: "CLIPTextModel")
        }
        let positive: [(String, Int)] = [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
            ("max_position_embeddings", maxPositionEmbeddings),
        ]
        for (key, value) in positive where value <= 0 {
            throw ModelLoadingError.invalidConfig(path: source, key: key, reason: "must be positive, found \(value)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ModelLoadingError.invalidConfig(
                path: source, key: "hidden_size",
                reason: "(\(hiddenSize)) must be a multiple of num_attention_heads (\(numAttentionHeads))")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else {
            throw ModelLoadingError.invalidConfig(path: source, key: "layer_norm_eps",
                                                  reason: "must be a positive number, found \(layerNormEps)")
        }
        _ = try activation(source: source)
    }
}
