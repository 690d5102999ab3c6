import Foundation
import LetheFuzzSupport
import LetheModels

/// The bundled CLIP tokenizer, loaded once: prompts are fuzzed against the vocabulary Stable Diffusion uses.
let bundled: CLIPTokenizer = {
    do {
        return try CLIPTokenizer.bundledCLIP()
    } catch {
        fatalError("fuzz: the bundled tokenizer does not load: \(error)")
    }
}()

/// A tiny valid `tokenizer.json` for the folder mode, where the input supplies the settings files around it.
let tinyTokenizerJSON = #"""
{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "a</w>": 3, "b</w>": 4, "ab</w>": 5,
 "<|startoftext|>": 6, "<|endoftext|>": 7}, "merges": ["a b", "a b</w>"]}}
"""#

/// One input: a first byte whose low two bits choose what the rest is, split at NUL bytes —
/// 0: `vocab.json`, `merges.txt`, a prompt; 1: `tokenizer.json`, a prompt; 2: a prompt for the bundled CLIP
/// tokenizer; 3: a tokenizer folder's `tokenizer_config.json`, `special_tokens_map.json`, `added_tokens.json`
/// (an empty part leaves the file out) beside a fixed `tokenizer.json`, and a prompt. Bit 2 selects the fast
/// tokenizer's behaviour instead of the slow one's. Every tokenizer that loads encodes the prompt.
func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    let body = FuzzSupport.body(data, size)
    var tokenizer: CLIPTokenizer?
    let prompt: [UInt8]
    switch data[0] & 3 {
    case 0:
        let parts = FuzzSupport.split(body, into: 3)
        let vocabulary = FuzzSupport.write(parts[0], to: "vocab.json")
        let merges = FuzzSupport.write(parts[1], to: "merges.txt")
        tokenizer = try? CLIPTokenizer(vocabularyFile: vocabulary, mergesFile: merges)
        prompt = parts[2]
    case 1:
        let parts = FuzzSupport.split(body, into: 2)
        tokenizer = try? CLIPTokenizer(tokenizerFile: FuzzSupport.write(parts[0], to: "tokenizer.json"))
        prompt = parts[1]
    case 2:
        tokenizer = bundled
        prompt = Array(body)
    default:
        let parts = FuzzSupport.split(body, into: 4)
        let folder = FuzzSupport.scratch.appendingPathComponent("folder", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = ["tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]
        for (name, part) in zip(names, parts) {
            FuzzSupport.write(part.isEmpty ? nil : part, to: "folder/\(name)")
        }
        FuzzSupport.write(Array(tinyTokenizerJSON.utf8), to: "folder/tokenizer.json")
        tokenizer = try? CLIPTokenizer(folder: folder)
        prompt = parts[3]
    }
    guard var tokenizer else { return 0 }
    tokenizer.compatibility = data[0] & 4 == 0 ? .slow : .fast
    let text = String(decoding: prompt, as: UTF8.self)
    _ = tokenizer.encode(text)
    _ = tokenizer.encode(text, padding: .none, truncation: false)
    for id in tokenizer.tokenIDs(for: text) { _ = tokenizer.token(for: id) }
    return 0
}

#if LETHE_FUZZ
/// libFuzzer's entry point, exported under its usual name for drivers that look for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzTokenizer(data, size) }
#endif

@main enum Main { static func main() { FuzzSupport.main(fuzzTokenizer) } }
