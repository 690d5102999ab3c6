import Foundation
import LetheIO
import LetheTensor

/// Learned textual-inversion vectors and the placeholder token they belong to: the `learned_embeds.safetensors`
/// file of diffusers' textual-inversion example, which `load_textual_inversion` reads.
///
/// The file holds one tensor named after the placeholder, [vectors, hidden] (or [hidden] for one vector). Vector i
/// > 0 belongs to the token `<placeholder>_i`, as diffusers names them, and a prompt's placeholder expands to all of
/// them in order.
public struct LearnedEmbeddings: Sendable {
    public let token: String
    /// [vectors, hidden].
    public let vectors: Tensor

    public init(token: String, vectors: Tensor) {
        precondition(vectors.rank == 2 && vectors.shape[0] > 0, "learned embeddings are [vectors, hidden]")
        self.token = token
        self.vectors = vectors.contiguous()
    }

    /// The tokens the vectors are added as: the placeholder, then `placeholder_1`, `placeholder_2`, ...
    public var tokens: [String] { [token] + (1..<vectors.shape[0]).map { "\(token)_\($0)" } }

    /// What a prompt's placeholder stands for: every token, space-separated.
    public var expansion: String { tokens.joined(separator: " ") }

    /// Width of each vector (the text encoder's hidden size).
    public var width: Int { vectors.shape[1] }

    /// `prompt` with the placeholder replaced by all its tokens (diffusers' `maybe_convert_prompt`).
    public func expanding(_ prompt: String) -> String {
        vectors.shape[0] == 1 ? prompt : prompt.replacingOccurrences(of: token, with: expansion)
    }

    /// Reads a file in diffusers' format (one tensor named after its token) or the A1111 safetensors format (a
    /// tensor `emb_params`, whose token is then the file's name without extension, as `<name>`).
    public init(contentsOf url: URL) throws {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.open(url)
        } catch {
            throw ErasureError.invalidEmbeddingFile(path: url.path, reason: "\(error)")
        }
        let names = file.tensorNames
        let name: String
        let token: String
        if names.count == 1 {
            name = names[0]
            token = names[0]
        } else if names.contains("emb_params") {
            name = "emb_params"
            token = "<\(url.deletingPathExtension().lastPathComponent)>"
        } else {
            throw ErasureError.invalidEmbeddingFile(
                path: url.path, reason: "expected one tensor named after its token, found \(names.count): \(ErrorText.list(names))")
        }
        guard !token.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ErasureError.invalidEmbeddingFile(path: url.path, reason: "its tensor name (the token) is empty")
        }
        var vectors: Tensor
        do {
            vectors = try file.tensor(named: name)
        } catch {
            throw ErasureError.invalidEmbeddingFile(path: url.path, reason: "tensor '\(name)' cannot be read (\(error))")
        }
        if vectors.rank == 1 { vectors = vectors.reshaped([1, vectors.shape[0]]) }
        guard vectors.rank == 2, vectors.shape[0] > 0, vectors.shape[1] > 0 else {
            throw ErasureError.invalidEmbeddingFile(path: url.path, reason: "tensor '\(name)' has shape \(vectors.shape); expected [vectors, hidden]")
        }
        guard vectors.isFinite else {
            throw ErasureError.invalidEmbeddingFile(path: url.path, reason: "tensor '\(name)' holds NaN or infinite values")
        }
        self.init(token: token, vectors: vectors)
    }

    /// Writes the file diffusers' example writes: `{token: [vectors, hidden]}` with metadata format=pt.
    public func write(to url: URL) throws {
        do {
            try SafeTensorsWriter.write([(token, vectors)], metadata: ["format": "pt"], to: url)
        } catch {
            throw ErasureError.outputFailed(path: url.path, reason: "\(error)")
        }
    }
}
