import ArgumentParser
import LetheDiffusion
import LetheErasure

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
