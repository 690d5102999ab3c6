import ArgumentParser
import Foundation
import LetheErasure
import LetheIO

/// The options `lethe uce` and `lethe rece` share: the model, the concepts and the UCE edit.
struct ClosedFormOptions: ParsableArguments {
    @OptionGroup var modelOption: ModelOption

    @Option(parsing: .upToNextOption, help: "Concept(s) to erase, e.g. --concept \"Van Gogh\" nudity. Many concepts make one edit.")
    var concept: [String] = []

    @Option(parsing: .upToNextOption, help: "What each concept is steered to: once for all, or once per concept. Default: the unconditional prompt (\"\").")
    var guide: [String] = []

    @Option(parsing: .upToNextOption, help: "Prompts whose keys and values the edit keeps (\"\" is always kept by the paper's variant).")
    var preserve: [String] = []

    @Option(help: "A text file of prompts to preserve, one per line (added to --preserve).")
    var preserveFile: String?

    @Option(parsing: .unconditional, help: "λ: how strongly every other input keeps its keys/values.")
    var lamb: Double = 0.5

    @Option(parsing: .unconditional, help: "Weight of the erase terms.")
    var eraseScale: Double = 1

    @Option(parsing: .unconditional, help: "Weight of the preserve terms. Default: max(0.1, 1/(number of preserved prompts with \"\")) for the paper's variant, 1 for single-token.")
    var preserveScale: Double?

    @Option(help: "replace (the concept's keys/values become the guide's) or tensor (only the guide's component orthogonal to the concept).")
    var technique: EditTechnique = .replace

    @Option(help: "paper (train_erase.py: rows from the last word token on, aligned; all 77 rows of preserved prompts) or single-token (uce_sd_erase.py: the last word token only).")
    var uceVariant: UCESettings.Variant = .paper

    @Option(help: "Also erase the authors' five templates per concept (their --add_prompts): art ('painting by X', 'art by X', 'artwork by X', 'picture by X', 'style of X') or object ('image of X', 'photo of X', 'portrait of X', 'picture of X', 'painting of X'). paper: each steered to the concept's guide; single-token: to the same template around the guide.")
    var addPrompts: UCEPromptExpansion?

    @OptionGroup var tokenizerOption: TokenizerOption

    @Option(help: "Weights variant to load, e.g. fp16 (reads *.fp16.safetensors). Default: full precision, else fp16.")
    var variant: String?

    @Flag(help: "Skip measuring the attention on the concept's tokens before and after (one UNet forward each).")
    var noAttentionProbe = false

    @Option(help: "The erased model's folder (written under a temporary name, renamed when complete).")
    var output: String

    @Flag(help: "Replace --output if it is an erased model folder Lethe wrote (anything else is kept).")
    var overwrite = false

    func uceSettings() throws -> UCESettings {
        var settings = UCESettings(concepts: concept, guides: guide, preserve: try preservedPrompts())
        settings.lambda = lamb
        settings.eraseScale = eraseScale
        settings.preserveScale = preserveScale
        settings.technique = technique
        settings.variant = uceVariant
        settings.addPrompts = addPrompts
        try settings.validate()
        return settings
    }

    private func preservedPrompts() throws -> [String] {
        guard let preserveFile else { return preserve }
        do {
            return preserve + (try InputFile.nonEmptyLines(preserveFile))
        } catch {
            throw ValidationError("--preserve-file '\(preserveFile)' cannot be read: \(error.message)")
        }
    }

    func job(rece: RECESettings?, config: ConfigOption) throws -> ClosedFormErasureJob {
        var job = ClosedFormErasureJob(
            model: try modelOption.url(), uce: try uceSettings(), rece: rece, output: URL(fileURLWithPath: output))
        job.variant = variant
        job.tokenizerCompatibility = tokenizerOption.compatibility
        job.overwrite = overwrite
        job.inputs = config.inputs + (preserveFile.map { [OutputGuard.Input($0, role: "--preserve-file")] } ?? [])
        if noAttentionProbe { job.probe = nil }
        return job
    }
}
