/// Why a CLIPTextModel forward pass rejected its input; each message names the argument and what was expected.
public enum CLIPTextModelError: Error, CustomStringConvertible, Equatable {
    case emptyInput(argument: String)
    case raggedInput(argument: String, row: Int, length: Int, expected: Int)
    case sequenceTooLong(length: Int, maximum: Int)
    case tokenIDOutOfRange(id: Int64, row: Int, position: Int, vocabularySize: Int)
    case wrongShape(argument: String, expected: [Int], found: [Int])
    case clipSkipOutOfRange(clipSkip: Int, layerCount: Int)

    public var description: String {
        switch self {
        case .emptyInput(let argument):
            return "CLIPTextModel: \(argument) is empty; expected at least one sequence of at least one token."
        case .raggedInput(let argument, let row, let length, let expected):
            return "CLIPTextModel: \(argument) row \(row) has \(length) entries, but row 0 has \(expected); "
                + "every sequence of a batch must have the same length (pad them)."
        case .sequenceTooLong(let length, let maximum):
            return "CLIPTextModel: the sequence length \(length) exceeds max_position_embeddings (\(maximum))."
        case .tokenIDOutOfRange(let id, let row, let position, let vocabularySize):
            return "CLIPTextModel: input_ids[\(row)][\(position)] = \(id) is not a token of the vocabulary "
                + "(expected 0..<\(vocabularySize), vocab_size of the config)."
        case .wrongShape(let argument, let expected, let found):
            return "CLIPTextModel: \(argument) has shape \(found), expected \(expected)."
        case .clipSkipOutOfRange(let clipSkip, let layerCount):
            return "CLIPTextModel: clip_skip \(clipSkip) is out of range; this model has \(layerCount) layers, so "
                + "clip_skip must be in 0..<\(layerCount)."
        }
    }
}
