import LetheDistributed
import LetheTensor

/// The edit itself, from a prompt encoder and the key/value projections: encode the prompts, UCE, RECE's epochs,
/// write the final weights into the projections. Loading, measuring and writing files are the job's
/// (`ClosedFormErasureJob`); the benchmark times exactly this.
public struct ClosedFormErasure {
    public let uce: UCESettings
    public let rece: RECESettings?
    public let encoder: PromptEncoder
    public let projections: CrossAttentionProjections

    public init(uce: UCESettings, rece: RECESettings?, encoder: PromptEncoder, projections: CrossAttentionProjections) {
        self.uce = uce
        self.rece = rece
        self.encoder = encoder
        self.projections = projections
    }

    public struct Outcome {
        public let concepts: [EncodedPrompt]
        public let guides: [EncodedPrompt]
        /// The concepts' own erase pairs, which the report measures (`--add-prompts`' extra pairs are not here).
        public let pairs: [ClosedFormEdit.ErasePair]
        /// Σ p pᵀ over UCE's preserved prompts.
        public let preserveGram: DoubleMatrix
        /// Per concept, RECE's recovery residuals (nil for UCE alone).
        public let recoveries: [[ErasureReport.Recovery]]?
        /// The projections before the edit, in float64.
        public let original: [DoubleMatrix]
    }

    /// Checks every setting and prompt (on every rank, before the first collective, so bad input fails everywhere
    /// at once); needs only the tokenizer, so a job can check before it reads the UNet.
    public static func validate(uce: UCESettings, rece: RECESettings?, encoder: PromptEncoder) throws {
        try UnifiedConceptEditing(settings: uce, encoder: encoder).validatePrompts()
        try rece?.validate()
    }

    /// The settings and prompts, and that the projections read text embeddings of the text encoder's width.
    public func validate() throws {
        try Self.validate(uce: uce, rece: rece, encoder: encoder)
        try validateWidth()
    }

    /// That the projections read text embeddings of the text encoder's width.
    public func validateWidth() throws {
        let width = encoder.textEncoder.configuration.hiddenSize
        guard projections.hiddenSize == width else {
            throw ErasureError.invalidSetting(
                Setting.model, reason: "has cross-attention width \(projections.hiddenSize) but a text encoder of width \(width)")
        }
    }

    /// Runs the edit. `beforeEdit` sees the encoded concepts while the weights are still the original ones;
    /// `stage` is called with each finished stage's name (encode, uce, rece).
    public func run(
        log: (String) -> Void = { _ in }, stage: (String) -> Void = { _ in },
        beforeEdit: ([EncodedPrompt]) throws -> Void = { _ in }
    ) throws -> Outcome {
        let editing = UnifiedConceptEditing(settings: uce, encoder: encoder)
        let (concepts, guides) = try editing.encodeConcepts()
        let pairs = try editing.erasePairs(concepts: concepts, guides: guides)
        let editPairs = try editing.editPairs(concepts: concepts, guides: guides)
        let preserveGram = try editing.preserveGram()
        let recePrompts = RobustConceptErasure.retainedPrompts(preserve: uce.preserve, conceptCount: concepts.count)
        let receGram = try rece.map { _ in try encoder.gram(of: recePrompts) { try $0.allRows() } }
        stage("encode")
        try beforeEdit(concepts)

        let chain = try ProjectionEditChain(projections: projections, communicator: encoder.communicator)
        try chain.apply(editing.edit(pairs: editPairs, preserveGram: preserveGram).solver())
        log("UCE: edited \(concepts.count) concept(s) (\(editPairs.count) erase prompt(s)) with \(uce.retainedPrompts.count) preserved prompt(s)")
        stage("uce")
        var recoveries: [[ErasureReport.Recovery]]?
        if let rece, let receGram {
            recoveries = try RobustConceptErasure(settings: rece).run(
                concepts: concepts, guides: guides, retainedGram: receGram, chain: chain
            ) { epoch in log("RECE: epoch \(epoch)/\(rece.epochs) done") }
        }
        try chain.materialize()
        stage(rece == nil ? "apply" : "rece")
        return Outcome(concepts: concepts, guides: guides, pairs: pairs, preserveGram: preserveGram,
                       recoveries: recoveries, original: chain.original)
    }
}
