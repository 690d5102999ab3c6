import Foundation
import LetheIO

extension CLIPTokenizer {
    /// Writes the tokenizer as transformers 4's slow `save_pretrained` does: `vocab.json`, `merges.txt`,
    /// `special_tokens_map.json`, `tokenizer_config.json` (with `added_tokens_decoder`) and, when tokens were added
    /// beyond the vocabulary, `added_tokens.json`. ``init(folder:padToken:)`` reads it back; so does transformers.
    public func save(to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TokenizerError.writeFailed(path: folder.path, reason: FileSystemErrorText.reason(error))
        }
        try write(vocabularyJSON(), to: folder.appendingPathComponent("vocab.json"))
        try write(mergesText(), to: folder.appendingPathComponent("merges.txt"))

        let specials: [String: Any] = [
            "bos_token": bosToken, "eos_token": eosToken, "unk_token": unknownToken, "pad_token": padToken,
        ]
        var map = specials
        if !additionalSpecialTokens.isEmpty { map["additional_special_tokens"] = additionalSpecialTokens }
        try write(jsonText(map), to: folder.appendingPathComponent("special_tokens_map.json"))

        var decoder: [String: Any] = [:]
        for (id, token) in addedTokens {
            decoder[String(id)] = [
                "content": token.content, "special": token.isSpecial, "normalized": token.isNormalized,
                "lstrip": token.stripsLeft, "rstrip": token.stripsRight, "single_word": token.isSingleWord,
            ]
        }
        var configuration = map
        configuration["added_tokens_decoder"] = decoder
        configuration["model_max_length"] = maxLength
        configuration["tokenizer_class"] = "CLIPTokenizer"
        configuration["errors"] = "replace"
        try write(jsonText(configuration), to: folder.appendingPathComponent("tokenizer_config.json"))

        let addedFile = folder.appendingPathComponent("added_tokens.json")
        let beyondVocabulary = addedTokens.filter { $0.id >= vocabularySize }
        if beyondVocabulary.isEmpty {
            if FileManager.default.fileExists(atPath: addedFile.path) {
                do { try FileManager.default.removeItem(at: addedFile) } catch {
                    throw TokenizerError.writeFailed(path: addedFile.path, reason: FileSystemErrorText.reason(error))
                }
            }
        } else {
            let entries = beyondVocabulary.map { "  \(jsonString($0.token.content)): \($0.id)" }
            try write("{\n" + entries.joined(separator: ",\n") + "\n}\n", to: addedFile)
        }
    }

    /// `vocab.json` in id order.
    private func vocabularyJSON() -> String {
        var text = "{"
        for (id, token) in bpe.tokens.enumerated() {
            if id > 0 { text += ", " }
            text += jsonString(token) + ": " + String(id)
        }
        return text + "}\n"
    }

    private func mergesText() -> String {
        var text = "#version: 0.2\n"
        for merge in bpe.mergeList {
            text += bpe.tokens[Int(merge.left)] + " " + bpe.tokens[Int(merge.right)] + "\n"
        }
        return text
    }

    private func jsonText(_ object: [String: Any]) throws -> String {
        do {
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return (String(data: data, encoding: .utf8) ?? "{}") + "\n"
        } catch {
            throw TokenizerError.writeFailed(path: "tokenizer configuration", reason: FileSystemErrorText.reason(error))
        }
    }

    /// A JSON string literal; only quotes, backslashes and control characters are escaped.
    private func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw TokenizerError.writeFailed(path: url.path, reason: FileSystemErrorText.reason(error))
        }
    }
}
