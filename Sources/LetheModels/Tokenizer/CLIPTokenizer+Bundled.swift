import Foundation
import LetheIO

extension CLIPTokenizer {
    /// OpenAI CLIP's tokenizer (the one of `openai/clip-vit-large-patch14`, used by Stable Diffusion 1.x and 2.x),
    /// from the vocabulary that ships in this module (MIT licence, see `Resources/clip/LICENSE`).
    ///
    /// - Parameters:
    ///   - padToken: `<|endoftext|>` for Stable Diffusion 1.x, `!` for 2.x.
    ///   - maxLength: the padded/truncated length.
    public static func bundledCLIP(
        padToken: String = CLIPTokenizer.endOfText, maxLength: Int = CLIPTokenizer.defaultMaxLength
    ) throws -> CLIPTokenizer {
        var special = SpecialTokens()
        special.pad = padToken
        return try CLIPTokenizer(bpe: bundledVocabulary.get(), specialTokens: special, maxLength: maxLength)
    }

    /// Parsed once per process; every bundled tokenizer shares it (and its word cache).
    private static let bundledVocabulary: Result<BytePairEncoding, TokenizerError> = {
        guard let folder = Bundle.module.resourceFolder("clip", containing: ["vocab.json", "merges.txt"]) else {
            return .failure(.missingBundledVocabulary(name: "clip"))
        }
        let vocabularyFile = folder.appendingPathComponent("vocab.json")
        let mergesFile = folder.appendingPathComponent("merges.txt")
        do {
            return .success(try readVocabularyAndMerges(vocabularyFile: vocabularyFile, mergesFile: mergesFile))
        } catch let error as TokenizerError {
            return .failure(error)
        } catch {
            return .failure(.unreadableFile(path: folder.path, reason: "\(error)"))
        }
    }()
}
