import LetheModels
import Testing

/// Properties of the bundled CLIP tokenizer checked against values known independently of this code: published
/// ids of openai/clip-vit-large-patch14 and hand-built sequences.
@Suite struct CLIPTokenizerBehaviourTests {
    @Test func vocabularyShape() throws {
        let tokenizer = try CLIPTokenizer.bundledCLIP()
        #expect(tokenizer.vocabularySize == 49408)
        #expect(tokenizer.count == 49408)
        #expect(tokenizer.bosTokenID == 49406)
        #expect(tokenizer.eosTokenID == 49407)
        #expect(tokenizer.padTokenID == 49407)
        #expect(tokenizer.unknownTokenID == 49407)
        #expect(tokenizer.maxLength == 77)
        // Byte symbols first, then their end-of-word forms, then merges.
        #expect(tokenizer.token(for: 0) == "!")
        #expect(tokenizer.token(for: 256) == "!</w>")
        #expect(tokenizer.token(for: 49406) == "<|startoftext|>")
        #expect(tokenizer.token(for: 49408) == nil)
        #expect(tokenizer.tokenID(for: "cat</w>") == 2368)
        #expect(tokenizer.tokenID(for: "not a token") == nil)
    }

    @Test func stableDiffusion2PadsWithExclamationMark() throws {
        let tokenizer = try CLIPTokenizer.bundledCLIP(padToken: "!")
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.count == 49408)
        let encoding = tokenizer.encode("a photo of a cat")
        #expect(encoding.inputIDs == [49406, 320, 1125, 539, 320, 2368, 49407] + Array(repeating: 0, count: 70))
        #expect(encoding.attentionMask == Array(repeating: 1, count: 7) + Array(repeating: 0, count: 70))
    }

    @Test func knownPrompts() throws {
        let tokenizer = try CLIPTokenizer.bundledCLIP()
        // Ids widely published for openai/clip-vit-large-patch14.
        #expect(tokenizer.tokenIDs(for: "a photo of a cat") == [320, 1125, 539, 320, 2368])
        #expect(tokenizer.tokenIDs(for: "an astronaut riding a horse") == [550, 18376, 6765, 320, 4558])
        #expect(tokenizer.encode("").inputIDs == [49406, 49407] + Array(repeating: 49407, count: 75))
        #expect(tokenizer.encode("", padding: .none).attentionMask == [1, 1])
    }

    @Test func truncationKeepsEndToken() throws {
        let tokenizer = try CLIPTokenizer.bundledCLIP()
        // "cat" is one token, so 100 of them give 100 ids; 75 fit between the start and end tokens.
        let prompt = Array(repeating: "cat", count: 100).joined(separator: " ")
        let encoding = tokenizer.encode(prompt)
        #expect(encoding.inputIDs == [49406] + Array(repeating: 2368, count: 75) + [49407])
        #expect(encoding.attentionMask == Array(repeating: 1, count: 77))
        let untruncated = tokenizer.encode(prompt, truncation: false)
        #expect(untruncated.inputIDs.count == 102)
        #expect(untruncated.inputIDs.last == 49407)
    }

    @Test func customMaxLength() throws {
        var tokenizer = try CLIPTokenizer.bundledCLIP(maxLength: 5)
        #expect(tokenizer.encode("a photo of a cat").inputIDs == [49406, 320, 1125, 539, 49407])
        tokenizer.maxLength = 8
        #expect(tokenizer.encode("a cat").inputIDs == [49406, 320, 2368, 49407, 49407, 49407, 49407, 49407])
        #expect(
            tokenizer.encode(["a", "cat"], padding: .none).map(\.inputIDs)
                == [[49406, 320, 49407], [49406, 2368, 49407]])
    }

    @Test func addedTokensTakeNextIDsAndMatchWhole() throws {
        var tokenizer = try CLIPTokenizer.bundledCLIP()
        #expect(tokenizer.addTokens(["<cat-toy>", "<cat-toy>_1"]) == 2)
        #expect(tokenizer.tokenID(for: "<cat-toy>") == 49408)
        #expect(tokenizer.tokenID(for: "<cat-toy>_1") == 49409)
        #expect(tokenizer.count == 49410)
        #expect(tokenizer.token(for: 49409) == "<cat-toy>_1")
        // Adding again changes nothing; an empty token is skipped; "cat</w>" is already a vocabulary token.
        #expect(tokenizer.addTokens(["<cat-toy>", "", "cat</w>"]) == 0)
        #expect(tokenizer.count == 49410)
        // Longest match first, glued to each other and to words.
        #expect(tokenizer.tokenIDs(for: "a<cat-toy><cat-toy>_1cat") == [320, 49408, 49409, 2368])
        #expect(tokenizer.tokenize("a <cat-toy>_1") == ["a</w>", "<cat-toy>_1"])
        // "cat</w>" is still recorded as an added token with its vocabulary id (matched whole from now on).
        #expect(tokenizer.addedTokens.map(\.id).suffix(3) == [49408, 49409, 2368])
        #expect(tokenizer.addedTokens.last?.token == CLIPTokenizer.AddedToken(content: "cat</w>"))
    }

    @Test func specialTokensInTextBecomeSpecialIDs() throws {
        let tokenizer = try CLIPTokenizer.bundledCLIP()
        #expect(tokenizer.tokenIDs(for: "a<|endoftext|>b") == [320, 49407, 321])
        #expect(tokenizer.tokenIDs(for: "<|startoftext|>") == [49406])
    }
}
