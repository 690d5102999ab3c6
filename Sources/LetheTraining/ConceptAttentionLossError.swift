/// Token positions that a concept attention loss cannot use, named with what was given and what fits.
public enum ConceptAttentionLossError: Error, CustomStringConvertible, Equatable {
    /// No sample was given positions.
    case noSamples
    /// A position outside the text's tokens.
    case positionOutOfRange(sample: Int, position: Int, tokenCount: Int)
    /// No sample has any position: the loss would be zero with no gradient.
    case noPositions

    public var description: String {
        switch self {
        case .noSamples:
            "The concept attention loss needs the concept's token positions for at least one sample; none were given."
        case .positionOutOfRange(let sample, let position, let tokenCount):
            "Concept token position \(position) of sample \(sample) is outside the text's \(tokenCount) tokens (0..<\(tokenCount))."
        case .noPositions:
            "The concept attention loss was given no token position in any sample: it would attend to nothing."
        }
    }
}
