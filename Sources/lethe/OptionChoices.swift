import ArgumentParser
import LetheDiffusion
import LetheErasure
import LetheTensor

// Every option with a fixed set of values takes one of these types: parsed from the raw value, listed by --help,
// and named with every choice in the error for a bad value (no hand-written "must be a or b" checks to drift).
extension RECESettings.Variant: ExpressibleByArgument {}
extension RECESettings.SurrogateTerms: ExpressibleByArgument {}
extension RECESettings.Task: ExpressibleByArgument {}
extension UCEPromptExpansion: ExpressibleByArgument {}
extension UCESettings.Variant: ExpressibleByArgument {}
extension EditTechnique: ExpressibleByArgument {}
extension PromptTemplate: ExpressibleByArgument {}
extension RandomPipelinePreset: ExpressibleByArgument {}
extension ConvolutionAlgorithm: ExpressibleByArgument {}

extension SchedulerKind: ExpressibleByArgument {
    /// A short name (ddim, pndm, euler, euler-a, ddpm) or a diffusers class name, as `SchedulerKind(name:)` reads.
    public init?(argument: String) {
        guard let kind = try? SchedulerKind(name: argument) else { return nil }
        self = kind
    }

    public static var allValueStrings: [String] { ["ddim", "pndm", "euler", "euler-a", "ddpm"] }
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allValueStrings.map { name in (name, (try? SchedulerKind(name: name))?.rawValue ?? "") })
    }
    public var defaultValueDescription: String { shortName }
}

/// The flag that sets each library setting: library messages name settings, and this command line shows them as
/// its flags ("`batchSize` is 0" reads "--batch-size is 0"). The switch is exhaustive, so a new setting cannot
/// reach a user unnamed.
enum SettingFlags {
    static func flag(_ setting: Setting) -> String {
        switch setting {
        case .model: "--model"
        case .output: "--output"
        case .overwrite: "--overwrite"
        case .config: "--config"
        case .steps: "--steps"
        case .height: "--height"
        case .width: "--width"
        case .latents: "--latents"
        case .promptEmbeddings: "prompt embeddings"  // no flag: eval's attacks set them
        case .imagesPerPrompt: "--num-images"
        case .guidanceScale: "--guidance"
        case .eta: "--eta"
        case .batchSize: "--batch-size"
        case .learningRate: "--lr"
        case .resolution: "--resolution"
        case .template: "--template"
        case .images: "--images"
        case .excludeHashes: "--exclude-hashes"
        case .generatedImages: "--generate-images"
        case .generationSteps: "--generation-steps"
        case .placeholder: "--token"
        case .initializer: "--init-token"
        case .vectors: "--vectors"
        case .embedding: "--embedding"
        case .train: "--train"
        case .maxGradientNorm: "--max-grad-norm"
        case .trainingImages: "--training-images"
        case .captionDropout: "--caption-dropout"
        case .klWeight: "--kl-weight"
        case .snrGamma: "--snr-gamma"
        case .concept: "--concept"
        case .guide: "--guide"
        case .preserve: "--preserve"
        case .addPrompts: "--add-prompts"
        case .lambda: "--lamb"
        case .eraseScale: "--erase-scale"
        case .preserveScale: "--preserve-scale"
        case .epochs: "--epochs"
        case .regularization: "--reg"
        case .receLambda: "--rece-lamb"
        case .receEraseScale: "--rece-erase-scale"
        case .recePreserveScale: "--rece-preserve-scale"
        case .checkpointFolder: "--checkpoint-dir"
        case .checkpointEvery: "--checkpoint-every"
        case .keepLast: "--keep-last"
        case .resume: "--resume"
        case .watchdogSeconds: "--watchdog-seconds"
        case .trace: "--trace"
        case .noiseMultiplier: "--dp-noise-multiplier"
        case .sampleRate: "--sample-rate"
        case .delta: "--dp-delta"
        case .targetEpsilon: "--dp-target-epsilon"
        case .epsilonTolerance: "--epsilon-tolerance"
        case .privacyClip: "--dp-max-grad-norm"
        }
    }

    /// From now on every message of this process names settings by their flags; `overriding` names some settings
    /// by a subcommand's own flags (`lethe privacy epsilon` says --noise-multiplier for the training's
    /// --dp-noise-multiplier).
    static func install(overriding: [Setting: String] = [:]) {
        Setting.nameWith { overriding[$0] ?? flag($0) }
    }
}
