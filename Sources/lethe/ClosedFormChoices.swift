import ArgumentParser
import LetheErasure

// The closed-form options' choices: parsed from their raw values, listed by --help, and named with every choice
// in the error for a bad value.
extension RECESettings.Variant: ExpressibleByArgument {}
extension RECESettings.SurrogateTerms: ExpressibleByArgument {}
extension UCEPromptExpansion: ExpressibleByArgument {}
