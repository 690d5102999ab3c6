/// UCE's extra erase prompts per concept (the authors' `--add_prompts` with `--concept_type art|object`).
///
/// train-scripts/train_erase.py: after each concept come its five templates, each an extra erase pair towards the
/// concept's own guide, unchanged. trainscripts/uce_sd_erase.py (`--expand_prompts true`, the single-token variant):
/// the templates of every concept follow all the concepts, each steered to the same template around the guide.
public enum UCEPromptExpansion: String, Sendable, CaseIterable, Codable {
    case art
    case object

    /// The authors' templates, in their order.
    public func prompts(for concept: String) -> [String] {
        switch self {
        case .art:
            ["painting by \(concept)", "art by \(concept)", "artwork by \(concept)", "picture by \(concept)",
             "style of \(concept)"]
        case .object:
            ["image of \(concept)", "photo of \(concept)", "portrait of \(concept)", "picture of \(concept)",
             "painting of \(concept)"]
        }
    }
}
