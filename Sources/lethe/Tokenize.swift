import ArgumentParser
import Foundation
import LetheDistributed
import LetheModels

/// `lethe tokenize`: what a prompt becomes before the text encoder, exactly as `generate` and the erasure
/// subcommands tokenise it.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the tokens and the 77 ids a prompt becomes (as generate and the erasure methods see it).",
        discussion: """
            Per prompt: each token with its id, the ids padded to the model's length with the folder's pad token \
            (SD 1.x: <|endoftext|>, SD 2.x: "!"), and whether the prompt was truncated, with what was cut. \
            --json prints one object per line (prompt, tokenizer, tokens, input_ids, attention_mask, token_count, \
            truncated, truncated_text); tokens and input_ids are aligned, padding included. Example:
              lethe tokenize --model sd-v1-5 --prompt "a photo of 東京" --prompt "a cat"
            """)

    @Option(help: ArgumentHelp("A diffusers model folder (its tokenizer/ is used) or a tokenizer folder (vocab.json + merges.txt, or tokenizer.json). \(ModelOption.defaultNote)",
                               valueName: "dir"))
    var model: String?

    @Option(help: "A prompt to tokenise (repeatable).")
    var prompt: [String] = []

    @OptionGroup var tokenizerOption: TokenizerOption

    @Flag(help: "Print one JSON object per prompt and line.")
    var json = false

    func validate() throws {
        guard !prompt.isEmpty else { throw ValidationError("give at least one --prompt") }
    }

    func run() throws {
        let world = try Communicator.world()
        guard world.rank == 0 else { return }
        let tokenizer = try CLIPTokenizer(folder: Self.tokenizerFolder(try model ?? ModelOption.bundledPath ?? { throw ModelOption.missingDefault }()), compatibility: tokenizerOption.compatibility)
        for (index, text) in prompt.enumerated() {
            let result = TokenizedPrompt(text, tokenizer: tokenizer, mode: tokenizerOption.tokenizer)
            if json {
                print(try result.jsonLine())
            } else {
                if index > 0 { print("") }
                print(result.text(tokenizer: tokenizer))
            }
        }
    }

    /// `DIR/tokenizer` when DIR is a model folder, else DIR itself (a tokenizer folder).
    static func tokenizerFolder(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        let nested = url.appendingPathComponent("tokenizer")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nested.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return nested
        }
        return url
    }
}

/// One prompt as the pipeline encodes it.
struct TokenizedPrompt: Encodable {
    let prompt: String
    let tokenizer: String
    /// The token of each id (padding included), as transformers' `convert_ids_to_tokens`.
    let tokens: [String]
    let input_ids: [Int]
    let attention_mask: [Int]
    /// Start token, prompt tokens and end token after truncation.
    let token_count: Int
    let truncated: Bool
    /// What was cut (decoded), or nil.
    let truncated_text: String?
    let pad_token: String

    init(_ prompt: String, tokenizer: CLIPTokenizer, mode: TokenizerMode) {
        let encoding = tokenizer.encode(prompt)
        self.prompt = prompt
        self.tokenizer = mode.rawValue
        tokens = encoding.inputIDs.map { tokenizer.token(for: $0) ?? "" }
        input_ids = encoding.inputIDs
        attention_mask = encoding.attentionMask
        token_count = encoding.attentionMask.reduce(0, +)
        truncated_text = tokenizer.truncatedPart(of: prompt)
        truncated = truncated_text != nil
        pad_token = tokenizer.padToken
    }

    enum CodingKeys: String, CodingKey {
        case prompt, tokenizer, tokens, input_ids, attention_mask, token_count, truncated, truncated_text, pad_token
    }

    /// Every key on every line (`truncated_text` is null when nothing was cut), so scripts can rely on them.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(tokenizer, forKey: .tokenizer)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(input_ids, forKey: .input_ids)
        try container.encode(attention_mask, forKey: .attention_mask)
        try container.encode(token_count, forKey: .token_count)
        try container.encode(truncated, forKey: .truncated)
        try container.encode(truncated_text, forKey: .truncated_text)
        try container.encode(pad_token, forKey: .pad_token)
    }

    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        // Keys in a fixed order, so lines diff and grep the same way on every run.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text(tokenizer: CLIPTokenizer) -> String {
        var lines = ["prompt: \(prompt.debugDescription)",
                     "tokenizer: \(self.tokenizer) (\(TokenizerMode(rawValue: self.tokenizer)?.summary ?? ""))",
                     "tokens: \(token_count) of \(input_ids.count)"]
        let width = String(input_ids.max() ?? 0).count
        for index in 0..<token_count {
            let id = String(input_ids[index])
            lines.append("  \(String(repeating: " ", count: max(0, 2 - String(index).count)))\(index)  "
                + "\(String(repeating: " ", count: width - id.count))\(id)  \(tokens[index])")
        }
        let padding = input_ids.count - token_count
        if padding > 0 {
            lines.append("  then \(padding) × pad token \(pad_token.debugDescription) (id \(tokenizer.padTokenID))")
        }
        lines.append("text encoder reads: \(tokenizer.decode(input_ids[1..<max(1, token_count - 1)]).debugDescription)")
        lines.append("input_ids: [\(input_ids.map(String.init).joined(separator: ", "))]")
        if let truncated_text {
            lines.append("truncated: yes, cut: \(truncated_text.debugDescription)")
        } else {
            lines.append("truncated: no")
        }
        return lines.joined(separator: "\n")
    }
}
