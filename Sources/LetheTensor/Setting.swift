import Synchronization

/// A setting of a library call (a request's, job's or options' property) as errors, warnings and notes name it.
/// The library never spells a front end's flags: a message interpolates the setting, which reads as its name in
/// backquotes (`batchSize`), or as the front end names it once it has said how (`Setting.nameWith(_:)`; the command
/// line shows `batchSize` as `--batch-size`). Cases are the options' property names where those are unique.
public enum Setting: String, CaseIterable, Sendable, CustomStringConvertible {
    // What every job reads and writes.
    case model, output, overwrite, config
    // Generation (`GenerationRequest`).
    case steps, height, width, latents, promptEmbeddings, imagesPerPrompt, guidanceScale, eta
    // Training (`TextualInversionOptions`, `ForgetMeNotOptions`, the Forget-Me-Not job's images).
    case batchSize, learningRate, resolution, template, images, generatedImages, generationSteps
    case placeholder, initializer, vectors, embedding, train, maxGradientNorm
    // Which images train (`--exclude-hashes`).
    case excludeHashes
    // The world's training recipe (`WorldTrainingOptions`).
    case trainingImages, captionDropout, klWeight, snrGamma
    // Closed-form edits (`UCESettings`, `RECESettings`).
    case concept, guide, preserve, addPrompts, lambda, eraseScale, preserveScale
    case epochs, regularization, receLambda, receEraseScale, recePreserveScale
    // Checkpoints (`CheckpointSettings`).
    case checkpointFolder, checkpointEvery, keepLast, resume
    // The running job (`RuntimeSettings`): the watchdog and the trace.
    case watchdogSeconds, trace
    // Differential privacy (the RDP accountant).
    case noiseMultiplier, sampleRate, delta, targetEpsilon, epsilonTolerance, privacyClip

    public var description: String { Self.naming.withLock { $0 }?(self) ?? "`\(rawValue)`" }

    private static let naming = Mutex<(@Sendable (Setting) -> String)?>(nil)

    /// How every message of this process names settings from now on (a front end calls it once, at start).
    public static func nameWith(_ name: @escaping @Sendable (Setting) -> String) {
        naming.withLock { $0 = name }
    }
}
