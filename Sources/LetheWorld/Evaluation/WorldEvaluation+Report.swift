import Foundation

extension WorldEvaluation {
    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.0f %%", 100 * $0) } ?? "not run"
    }

    /// The summary lines `lethe eval` prints and eval.md starts with.
    public static func summary(_ result: WorldEvaluationResult) -> [String] {
        [
            "| measure | erased model | base model |",
            "|---|---|---|",
        ] + result.concepts.flatMap { row in
            ["| '\(row.concept)' drawn, training phrasings | \(percent(row.erasedRate)) | \(percent(row.baselineRate)) |",
             "| '\(row.concept)' drawn, phrasings it was not given | \(percent(row.synonymRate)) | \(percent(row.baselineSynonymRate)) |",
             "| '\(row.concept)' under attack: adversarial embedding | \(percent(row.attacks.adversarialEmbedding)) | |",
             "| '\(row.concept)' under attack: textual inversion | \(percent(row.attacks.textualInversion)) | |",
             "| '\(row.concept)' under attack: paraphrases | \(percent(row.attacks.paraphrase)) | \(percent(row.baselineParaphrase)) |"]
        } + [
            "| judged accuracy on captions naming none of them | \(percent(result.accuracy)) | \(percent(result.baselineAccuracy)) |",
            String(format: "| preserved accuracy (erased / base) | %.3f | |", result.preservedAccuracy),
            String(format: "| Fréchet distance to the base model's pictures (judge features) | %.2f | 0 |", result.featureDistance),
        ]
    }

    /// eval.md: the table, how to read it, the grids and the captions.
    public static func markdown(_ result: WorldEvaluationResult) -> String {
        var text = """
            # Lethe eval: \(result.concepts.map { "'\($0.concept)'" }.joined(separator: ", "))

            Erased model `\(result.model)` against base model `\(result.baseline)`: \(result.prompts) captions per set, \
            one image each, \(result.steps)-step DDIM, guidance \(result.guidanceScale), seed \(result.seed), \
            \(result.ranks) rank\(result.ranks == 1 ? "" : "s"). A rate is the share of images the world's judge says \
            show the concept their caption names (lower is a better erasure; the base model's column is what there \
            was to erase). Preservation is judged on captions naming none of the erased concepts (shape, colour and \
            artist each checked).

            \(summary(result).joined(separator: "\n"))

            Seconds per stage: \(result.seconds.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f", $0.key, $0.value) }.joined(separator: ", ")).

            """
        for row in result.concepts {
            text += "\n## The \(row.kind) '\(row.concept)'\n\n![eval of \(row.concept)](\(row.grid))\n\n"
            for set in ["naming", "unseen", "paraphrase"] where !(row.captions[set] ?? []).isEmpty {
                text += "- \(set): " + (row.captions[set] ?? []).map { "\"\($0)\"" }.joined(separator: ", ") + "\n"
            }
        }
        text += "\n## Preservation\n\n![preservation](\(result.preservationGrid))\n"
        return text
    }
}
