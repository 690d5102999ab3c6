import Foundation
import LetheIO
import LetheTelemetry

/// `erasure-report.json`: what a method did and how well, for every method (UCE, RECE, Forget-Me-Not, textual
/// inversion), written beside its output. Sections a method has no use for are left out of the JSON.
public struct ErasureReport: Codable, Sendable {
    /// Keys and values measured separately (the attn2 `to_k` and `to_v` projections).
    public struct KeyValue: Codable, Sendable {
        public var key: Double
        public var value: Double
    }

    /// RECE's adversarial search in one epoch, before that epoch's edit ("final": after the last edit).
    public struct Recovery: Codable, Sendable {
        public var epoch: String
        /// sqrt(Σ‖W a − W₀ c‖²)/sqrt(Σ‖W₀ c‖²) for the best adversarial embedding a (0: the concept is fully
        /// recoverable; 1: no better than the zero embedding).
        public var adversarialResidual: Double
        /// The same for the concept's own embedding (a = c): how far the edit moved the concept's keys and values.
        public var promptResidual: Double
    }

    public struct Concept: Codable, Sendable {
        public var concept: String
        /// UCE and RECE: what the concept is mapped to.
        public var guide: String?
        /// Forget-Me-Not: the training prompt and the concept's token positions in it.
        public var prompt: String?
        public var conceptPositions: [Int]?
        /// ‖W′c_e − W c_g‖ / ‖W c_e − W c_g‖ over every projection of the kind, on the erase rows: 0 means the
        /// concept now gives exactly the guide's keys/values, 1 means nothing changed.
        public var erasureRatio: KeyValue?
        /// Mean attention probability on the concept's word tokens over every attn2 layer, head and pixel.
        public var attentionMassBefore: Double?
        public var attentionMassAfter: Double?
        public var recovery: [Recovery]?
        /// Textual inversion: the learned tokens and the L2 norm of each learned vector.
        public var tokens: [String]?
        public var vectorNorms: [Double]?

        public init(concept: String, guide: String? = nil, prompt: String? = nil, conceptPositions: [Int]? = nil,
                    erasureRatio: KeyValue? = nil, attentionMassBefore: Double? = nil, attentionMassAfter: Double? = nil,
                    recovery: [Recovery]? = nil, tokens: [String]? = nil, vectorNorms: [Double]? = nil) {
            self.concept = concept
            self.guide = guide
            self.prompt = prompt
            self.conceptPositions = conceptPositions
            self.erasureRatio = erasureRatio
            self.attentionMassBefore = attentionMassBefore
            self.attentionMassAfter = attentionMassAfter
            self.recovery = recovery
            self.tokens = tokens
            self.vectorNorms = vectorNorms
        }
    }

    /// The optimizer steps of a trained method (Forget-Me-Not, textual inversion), over the global batch.
    public struct Training: Codable, Sendable {
        public var lossPerStep: [Double]
        /// Before clipping.
        public var gradientNormPerStep: [Double]
        public var learningRatePerStep: [Double]
        /// Where each rank's time went in the steps this run took (absent from reports of earlier versions).
        public var timings: TrainingTimings?
        /// The (ε, δ) of differentially private training; absent for ordinary training.
        public var privacy: PrivacyReport?

        public init(lossPerStep: [Double], gradientNormPerStep: [Double], learningRatePerStep: [Double]) {
            self.lossPerStep = lossPerStep
            self.gradientNormPerStep = gradientNormPerStep
            self.learningRatePerStep = learningRatePerStep
        }
    }

    public var method: String
    public var model: String
    public var ranks: Int
    public var concepts: [Concept]
    /// ‖(W′ − W) p‖ / ‖W p‖ over every row of every preserved prompt, per kind.
    public var preservedDrift: KeyValue?
    public var preservedPrompts: [String]?
    public var training: Training?
    public var settings: [String: String]
    /// Seconds per stage.
    public var timings: [String: Double]

    /// Where an exported output comes from (`lethe checkpoint export`): the step folder and its step.
    public struct CheckpointStep: Codable, Sendable {
        public var path: String
        public var step: Int
    }

    /// Set for an output written from a checkpoint rather than by the job that trained it: such a report holds
    /// what the checkpoint kept (the steps so far, the settings) and nothing measured after them.
    public var exportedFrom: CheckpointStep?

    public init(method: String, model: String, ranks: Int) {
        self.method = method
        self.model = model
        self.ranks = ranks
        concepts = []
        settings = [:]
        timings = [:]
    }

    /// Pretty, sorted, snake_case JSON.
    public func json() throws -> Data {
        try DocumentJSON.encode(self)
    }
}

extension ErasureReport {
    /// A report as `json()` wrote it.
    public init(json data: Data) throws {
        self = try DocumentJSON.decode(ErasureReport.self, from: data)
    }
}

extension ErasureReport {
    /// The few numbers that say how an erasure went, for a summary of many (`lethe run`): means over the concepts of
    /// the erasure ratios and the attention on the concept's tokens, the drift on preserved prompts, RECE's final
    /// adversarial residual, and a trained method's last loss and learned vectors' norm.
    public var headlineMetrics: [String: Double] {
        var metrics: [String: Double] = [:]
        func mean(_ name: String, _ values: [Double]) {
            if !values.isEmpty { metrics[name] = values.reduce(0, +) / Double(values.count) }
        }
        mean("erasure_ratio_key", concepts.compactMap { $0.erasureRatio?.key })
        mean("erasure_ratio_value", concepts.compactMap { $0.erasureRatio?.value })
        mean("attention_mass_before", concepts.compactMap(\.attentionMassBefore))
        mean("attention_mass_after", concepts.compactMap(\.attentionMassAfter))
        mean("adversarial_residual", concepts.compactMap { $0.recovery?.last?.adversarialResidual })
        mean("vector_norm", concepts.flatMap { $0.vectorNorms ?? [] })
        if let drift = preservedDrift {
            metrics["preserved_drift_key"] = drift.key
            metrics["preserved_drift_value"] = drift.value
        }
        if let loss = training?.lossPerStep.last { metrics["final_loss"] = loss }
        return metrics
    }
}
