import Foundation

extension CLIPTokenizer {
    /// Special tokens, length and added tokens gathered from a tokenizer folder's configuration files, following
    /// transformers' `from_pretrained`.
    struct FolderSettings {
        struct PartialSpecialTokens {
            var bos: String?
            var eos: String?
            var unk: String?
            var pad: String?
            var additional: [String] = []

            func resolved() -> SpecialTokens {
                var tokens = SpecialTokens()
                if let bos { tokens.bos = bos }
                if let eos { tokens.eos = eos }
                if let unk { tokens.unk = unk }
                if let pad { tokens.pad = pad }
                tokens.additional = additional
                return tokens
            }
        }

        var special = PartialSpecialTokens()
        var maxLength: Int?
        var addedTokens: [(id: Int, token: AddedToken)] = []
        var hasAddedTokensDecoder = false

        /// Longest `model_max_length` taken at face value; transformers writes 10³⁰ when none was set.
        static let plausibleMaxLength = 1 << 20

        mutating func read(configuration url: URL) throws {
            let object = try JSONFile.object(at: url)
            try readSpecialTokens(object, path: url.path)
            if let value = object["model_max_length"], !(value is NSNull) {
                guard let number = value as? NSNumber, !(value is Bool), number.doubleValue >= 2,
                    number.doubleValue == number.doubleValue.rounded()
                else {
                    throw TokenizerError.invalidFile(
                        path: url.path, reason: "model_max_length should be an integer of at least 2, found \(value)")
                }
                let length = number.doubleValue
                maxLength = length <= Double(Self.plausibleMaxLength) ? Int(length) : nil
            }
            if let decoder = object["added_tokens_decoder"], !(decoder is NSNull) {
                guard let entries = decoder as? [String: Any] else {
                    throw TokenizerError.invalidFile(
                        path: url.path, reason: "added_tokens_decoder should be an object keyed by token id")
                }
                hasAddedTokensDecoder = true
                for (key, entry) in entries {
                    guard let id = Int(key) else {
                        throw TokenizerError.invalidFile(
                            path: url.path, reason: "added_tokens_decoder key \(key.debugDescription) is not an id")
                    }
                    guard let tokenObject = entry as? [String: Any] else {
                        throw TokenizerError.invalidFile(
                            path: url.path, reason: "added_tokens_decoder[\(key)] should be an object")
                    }
                    addedTokens.append(
                        (id, try Self.addedToken(tokenObject, path: url.path, key: "added_tokens_decoder[\(key)]")))
                }
            }
        }

        /// `special_tokens_map.json` overrides the configuration's special tokens (transformers' legacy path).
        mutating func read(specialTokensMap url: URL) throws {
            try readSpecialTokens(try JSONFile.object(at: url), path: url.path)
        }

        /// `added_tokens.json`: token → id; tokens named as special tokens are special, the others normalised.
        mutating func read(addedTokensFile url: URL) throws {
            let object = try JSONFile.object(at: url)
            let specials = Set(
                ([special.bos, special.eos, special.unk, special.pad].compactMap { $0 } + special.additional)
                    .map(BytePairEncoding.ExactText.init))
            for (content, value) in object {
                guard let id = JSONFile.integer(value) else {
                    throw TokenizerError.invalidFile(
                        path: url.path,
                        reason: "the id of added token \(content.debugDescription) should be an integer, "
                            + "found \(value)")
                }
                let isSpecial = specials.contains(BytePairEncoding.ExactText(content))
                addedTokens.append((id, AddedToken(content: content, isSpecial: isSpecial, isNormalized: !isSpecial)))
            }
        }

        private mutating func readSpecialTokens(_ object: [String: Any], path: String) throws {
            func content(_ key: String) throws -> String? {
                try Self.tokenContent(object[key], path: path, key: key)
            }
            if let value = try content("bos_token") { special.bos = value }
            if let value = try content("eos_token") { special.eos = value }
            if let value = try content("unk_token") { special.unk = value }
            if let value = try content("pad_token") { special.pad = value }
            if let list = object["additional_special_tokens"], !(list is NSNull) {
                guard let entries = list as? [Any] else {
                    throw TokenizerError.invalidFile(path: path, reason: "additional_special_tokens should be an array")
                }
                special.additional = try entries.enumerated().compactMap { index, entry in
                    try Self.tokenContent(entry, path: path, key: "additional_special_tokens[\(index)]")
                }
            }
        }

        /// A token given as a string or as an `AddedToken` object (`{"content": ...}`); nil when absent or null.
        static func tokenContent(_ value: Any?, path: String, key: String) throws -> String? {
            guard let value, !(value is NSNull) else { return nil }
            if let text = value as? String { return text }
            if let object = value as? [String: Any], let content = object["content"] as? String { return content }
            throw TokenizerError.invalidFile(
                path: path, reason: "\(key) should be a string or an object with a \"content\" string, found \(value)")
        }

        /// An `AddedToken` object (`content`, `special`, `normalized`, `lstrip`, `rstrip`, `single_word`).
        static func addedToken(_ object: [String: Any], path: String, key: String) throws -> AddedToken {
            guard let content = object["content"] as? String else {
                throw TokenizerError.invalidFile(path: path, reason: "\(key) has no \"content\" string")
            }
            func flag(_ name: String, default value: Bool) throws -> Bool {
                guard let raw = object[name], !(raw is NSNull) else { return value }
                guard let bool = raw as? Bool else {
                    throw TokenizerError.invalidFile(path: path, reason: "\(key).\(name) should be true or false")
                }
                return bool
            }
            let isSpecial = try flag("special", default: false)
            return AddedToken(
                content: content, isSpecial: isSpecial, isNormalized: try flag("normalized", default: !isSpecial),
                stripsLeft: try flag("lstrip", default: false), stripsRight: try flag("rstrip", default: false),
                isSingleWord: try flag("single_word", default: false))
        }
    }
}
