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
        for concept in settings.concepts { try encoder.validate(concept, argument: Setting.concept) }
        for prompt in expandedPrompts().flatMap({ [$0.concept, $0.guide] }) {
            try encoder.validate(prompt, argument: Setting.addPrompts, allowEmpty: true)
        }
        for guide in settings.guides { try encoder.validate(guide, argument: Setting.guide, allowEmpty: true) }
        for prompt in settings.preserve { try encoder.validate(prompt, argument: Setting.preserve, allowEmpty: true) }
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

    /// `--add-prompts`' extra (erase prompt, guide, concept index) in the order of the authors' lists: train_erase.py
    /// keeps each guide, uce_sd_erase.py wraps it in the same template.
    public func expandedPrompts() -> [(concept: String, guide: String, index: Int)] {
        guard let expansion = settings.addPrompts else { return [] }
        return settings.concepts.indices.flatMap { index in
            let guide = settings.guide(for: index)
            let guides = settings.variant == .paper
                ? [String](repeating: guide, count: expansion.prompts(for: guide).count) : expansion.prompts(for: guide)
            return zip(expansion.prompts(for: settings.concepts[index]), guides).map { ($0, $1, index) }
        }
    }

    /// The erase pairs of the edit: `erasePairs` and, with `--add-prompts`, the extra prompts' pairs, in the authors'
    /// order (train_erase.py: each concept followed by its templates; uce_sd_erase.py: all templates after all
    /// concepts). The order only changes rounding, but matches theirs.
    public func editPairs(concepts: [EncodedPrompt], guides: [EncodedPrompt]) throws -> [ClosedFormEdit.ErasePair] {
        let pairs = try erasePairs(concepts: concepts, guides: guides)
        let expanded = expandedPrompts()
        guard !expanded.isEmpty else { return pairs }
        // The paper's guides are the concepts' own, already encoded; uce_sd_erase.py's are new prompts.
        let paper = settings.variant == .paper
        let encoded = try encoder.encode(expanded.map(\.concept) + (paper ? [] : expanded.map(\.guide)))
        let extraGuides = paper ? expanded.map { guides[$0.index] } : Array(encoded[expanded.count...])
        let extra = try erasePairs(concepts: Array(encoded[..<expanded.count]), guides: extraGuides)
        guard paper else { return pairs + extra }
        return concepts.indices.flatMap { index in
            [pairs[index]] + zip(expanded, extra).filter { $0.0.index == index }.map(\.1)
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
