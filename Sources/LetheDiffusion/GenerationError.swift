import LetheTensor

/// Why a generation request cannot run; each message names the setting.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    /// A setting of the request out of its domain (named as the front end names it, see `Setting`).
    case invalidSetting(Setting, reason: String)
    /// A model whose config gives no usable default for the request; the reason is a sentence.
    case unsupportedModel(reason: String)
    case latentsShape(expected: [Int], found: [Int])
    case nonFinite(stage: String)

    public var description: String {
        switch self {
        case .invalidSetting(let setting, let reason):
            return "\(setting) \(reason)."
        case .unsupportedModel(let reason):
            return "\(reason)."
        case .latentsShape(let expected, let found):
            return "The initial latents have shape \(found); this request needs \(expected) (batch, channels, height / 8, width / 8)."
        case .nonFinite(let stage):
            return "The \(stage) produced NaN or infinite values."
        }
    }
}
