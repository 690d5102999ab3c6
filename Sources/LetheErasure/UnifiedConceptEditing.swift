import LetheTensor

/// UCE: builds the closed-form edit from prompts (Gandikota et al., "Unified Concept Editing in Diffusion Models").
public struct UnifiedConceptEditing {
    public let settings: UCESettings
    public let encoder: PromptEncoder

    public init(settings: UCESettings, encoder: PromptEncoder) {
        self.settings = settings
        self.encoder = encoder
    }

    /// Checks every prompt on every rank before any collective starts.
    public func validatePrompts() throws {
        try settings.validate()
        for concept in settings.concepts { try encoder.validate(concept, argument: "--concept") }
        for guide in settings.guides { try encoder.validate(guide, argument: "--guide", allowEmpty: true) }
        for prompt in settings.preserve { try encoder.validate(prompt, argument: "--preserve", allowEmpty: true) }
    }

    /// The encoded concepts and their guides (in concept order).
    public func encodeConcepts() throws -> (concepts: [EncodedPrompt], guides: [EncodedPrompt]) {
        let count = settings.concepts.count
        let encoded = try encoder.encode(settings.concepts + (0..<count).map(settings.guide(for:)))
        return (Array(encoded[..<count]), Array(encoded[count...]))
    }

    /// The erase pairs: the paper aligns the concept's rows from its last word token to the end with the guide's
    /// rows from its last word token, both cut to the same count; single-token uses the last word token only.
    public func erasePairs(concepts: [EncodedPrompt], guides: [EncodedPrompt]) throws -> [ClosedFormEdit.ErasePair] {
        try zip(concepts, guides).map { concept, guide in
            let (conceptStart, guideStart) = (concept.lastWordPosition, guide.lastWordPosition)
            switch settings.variant {
            case .paper:
                let length = concept.embedding.shape[0] - max(conceptStart, guideStart)
                return try ClosedFormEdit.ErasePair(
                    concept: concept.rows(conceptStart..<(conceptStart + length)),
                    guide: guide.rows(guideStart..<(guideStart + length)))
            case .singleToken:
                return try ClosedFormEdit.ErasePair(
                    concept: concept.rows(conceptStart..<(conceptStart + 1)), guide: guide.rows(guideStart..<(guideStart + 1)))
            }
        }
    }

    /// Σ p pᵀ over the retained prompts' rows (all 77 for the paper, the last word token for single-token).
    public func preserveGram() throws -> DoubleMatrix {
        let hidden = encoder.textEncoder.configuration.hiddenSize
        if settings.retainedPrompts.isEmpty { return DoubleMatrix(rows: hidden, columns: hidden) }
        let variant = settings.variant
        return try encoder.gram(of: settings.retainedPrompts) { prompt in
            variant == .paper ? try prompt.allRows()
                : try prompt.rows(prompt.lastWordPosition..<(prompt.lastWordPosition + 1))
        }
    }

    /// The edit, from already-encoded concepts and guides.
    public func edit(pairs: [ClosedFormEdit.ErasePair], preserveGram: DoubleMatrix) -> ClosedFormEdit {
        ClosedFormEdit(
            lambda: settings.lambda, eraseScale: settings.eraseScale, preserveScale: settings.resolvedPreserveScale,
            technique: settings.technique, pairs: pairs, preserveGram: preserveGram)
    }
}
