import LetheTensor

/// RECE's adversarial epochs after a UCE edit (Gong et al., "Reliable and Efficient Concept Erasure", `train.py`
/// with `close_regzero`, or another closed form, see `RECESettings.Variant`): each epoch finds every concept's closed-form adversarial embedding against the current
/// weights and the original ones, then edits again so that embedding maps to the guide (`edit_model_adversarial`:
/// all 77 rows of both, with the epoch's λ, erase and preserve scales).
public struct RobustConceptErasure {
    public let settings: RECESettings

    public init(settings: RECESettings) { self.settings = settings }

    /// The prompts RECE keeps in each epoch: " " once per concept when none are given (the authors' `train.py`),
    /// otherwise "" and the given ones (`train_artists.py`).
    public static func retainedPrompts(preserve: [String], conceptCount: Int) -> [String] {
        preserve.isEmpty ? [String](repeating: " ", count: conceptCount) : [""] + preserve
    }

    /// Runs the epochs on the edit chain (which holds the UCE-edited weights). Returns, per concept, the recovery
    /// residuals of each epoch's adversarial embedding and, last, of the final weights.
    public func run(
        concepts: [EncodedPrompt], guides: [EncodedPrompt], retainedGram: DoubleMatrix, chain: ProjectionEditChain,
        progress: (Int) -> Void = { _ in }
    ) throws -> [[ErasureReport.Recovery]] {
        let conceptRows = try concepts.map { try $0.allRows() }
        let guideRows = try guides.map { try $0.allRows() }
        var recoveries = [[ErasureReport.Recovery]](repeating: [], count: concepts.count)
        for epoch in 0...settings.epochs {
            let grams = try chain.grams()
            let solver = try AdversarialEmbedding.solver(grams, settings: settings)
            var pairs: [ClosedFormEdit.ErasePair] = []
            for (index, rows) in conceptRows.enumerated() {
                // standardreg's target is the concept's guide on all 77 rows: the authors' "old target concept
                // ever used in UCE" (train.py `--old_target_concept`, " " for nudity, which tokenizes as "").
                let adversarial = try AdversarialEmbedding.rows(
                    of: rows, target: settings.variant == .standardreg ? guideRows[index] : nil, solver: solver)
                recoveries[index].append(ErasureReport.Recovery(
                    epoch: epoch == settings.epochs ? "final" : String(epoch + 1),
                    adversarialResidual: try AdversarialEmbedding.recoveryResidual(adversarial, concept: rows, grams: grams),
                    promptResidual: try AdversarialEmbedding.recoveryResidual(rows, concept: rows, grams: grams)))
                pairs.append(try ClosedFormEdit.ErasePair(concept: adversarial, guide: guideRows[index]))
            }
            // The last pass only measures the final weights.
            guard epoch < settings.epochs else { break }
            let edit = ClosedFormEdit(
                lambda: settings.lambda, eraseScale: settings.eraseScale, preserveScale: settings.preserveScale,
                technique: settings.technique, pairs: pairs, preserveGram: retainedGram)
            try chain.apply(edit.solver())
            progress(epoch + 1)
        }
        return recoveries
    }
}
