import LetheTensor

/// Privacy accounting that cannot give an answer, named with the setting at fault.
public enum PrivacyError: Error, CustomStringConvertible, Equatable {
    /// A setting out of its domain (named as the front end names it, see `Setting`).
    case invalidSetting(Setting, reason: String)
    /// No noise multiplier up to the search's ceiling spends as little as the target ε (Opacus: "The privacy budget
    /// is too low.").
    case budgetTooSmall(targetEpsilon: Double, largestNoiseMultiplier: Double, epsilon: Double)
    /// The series of a fractional order did not settle (NaN in its terms); no ε can be given.
    case seriesDidNotConverge(order: Double)

    public var description: String {
        switch self {
        case .invalidSetting(let setting, let reason):
            "\(setting) \(reason)."
        case .budgetTooSmall(let target, let sigma, let epsilon):
            "\(Setting.targetEpsilon) \(target) is too small a budget: even noise multiplier \(sigma) spends ε = "
                + "\(epsilon); allow a larger ε or δ, or fewer steps or a lower sampling rate."
        case .seriesDidNotConverge(let order):
            "The Rényi divergence at order \(order) did not converge; no ε can be given for these settings."
        }
    }
}
