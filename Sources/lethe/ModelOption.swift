import ArgumentParser
import Foundation
import LetheWorld

/// `--model DIR`: the diffusers folder a command reads; without it, the world's model that ships with Lethe.
struct ModelOption: ParsableArguments {
    static let defaultNote = "Default: the world's model, which ships with Lethe."

    @Option(help: ArgumentHelp("A diffusers model folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/). \(defaultNote)",
                               valueName: "dir"))
    var model: String?

    /// The folder given, or the shipped model's (nil only when this build lacks it).
    var resolved: String? { model ?? Self.bundledPath }

    /// The folder the command reads.
    func path() throws -> String {
        guard let path = resolved else { throw Self.missingDefault }
        return path
    }

    /// The folder the command reads, as a URL.
    func url() throws -> URL {
        URL(fileURLWithPath: try path())
    }

    static var bundledPath: String? { WorldDefaultModel.bundledFolder?.path }

    static let missingDefault = ValidationError(
        "no --model given, and this build of lethe has no shipped world model (its resources are missing); pass --model DIR")
}
