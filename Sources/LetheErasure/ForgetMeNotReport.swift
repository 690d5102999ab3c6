import Foundation

/// `erasure-report.json` of a Forget-Me-Not run.
public struct ForgetMeNotReport: Codable, Sendable {
    public var method = "forget-me-not"
    public var model: String
    public var concept: String
    public var prompt: String
    public var conceptPositions: [Int]
    public var train: String
    public var steps: Int
    public var learningRate: Double
    public var batchSize: Int
    public var ranks: Int
    public var usePooler: Bool
    public var seed: UInt64
    /// Mean attention probability on the concept's tokens over every attn2 layer, before and after training.
    public var attentionMassBefore: Double
    public var attentionMassAfter: Double
    public var lossPerStep: [Double]
    public var gradientNormPerStep: [Double]
    /// Seconds: loading, preparing images, training, evaluation.
    public var timings: [String: Double]

    public init(model: String, concept: String, prompt: String, conceptPositions: [Int], train: String, steps: Int,
                learningRate: Double, batchSize: Int, ranks: Int, usePooler: Bool, seed: UInt64,
                attentionMassBefore: Double, attentionMassAfter: Double, lossPerStep: [Double],
                gradientNormPerStep: [Double], timings: [String: Double]) {
        self.model = model
        self.concept = concept
        self.prompt = prompt
        self.conceptPositions = conceptPositions
        self.train = train
        self.steps = steps
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.ranks = ranks
        self.usePooler = usePooler
        self.seed = seed
        self.attentionMassBefore = attentionMassBefore
        self.attentionMassAfter = attentionMassAfter
        self.lossPerStep = lossPerStep
        self.gradientNormPerStep = gradientNormPerStep
        self.timings = timings
    }

    enum CodingKeys: String, CodingKey {
        case method, model, concept, prompt, train, steps, ranks, seed, timings
        case conceptPositions = "concept_positions", learningRate = "learning_rate", batchSize = "batch_size"
        case usePooler = "use_pooler", attentionMassBefore = "attention_mass_before"
        case attentionMassAfter = "attention_mass_after", lossPerStep = "loss_per_step"
        case gradientNormPerStep = "gradient_norm_per_step"
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
