/// Why a generation request cannot run; each message names the argument.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(name: String, reason: String)
    case latentsShape(expected: [Int], found: [Int])
    case nonFinite(stage: String)

    public var description: String {
        switch self {
        case .invalidArgument(let name, let reason):
            return "\(name) \(reason)."
        case .latentsShape(let expected, let found):
            return "The initial latents have shape \(found); this request needs \(expected) (batch, channels, height / 8, width / 8)."
        case .nonFinite(let stage):
            return "The \(stage) produced NaN or infinite values."
        }
    }
}
