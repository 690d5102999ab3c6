import LetheTensor

/// The settings of RECE's adversarial epochs, with the authors' defaults (CharlesGong12/RECE).
public struct RECESettings: Sendable, Codable {
    /// The authors' per-task defaults (scripts/nudity.sh, art.sh, object.sh).
    public enum Task: String, Sendable, CaseIterable, Codable {
        case nudity, artist, object

        /// λr of the closed-form adversarial embedding.
        public var regularization: Double {
            switch self {
            case .nudity: 0.1
            case .artist, .object: 1e-3
            }
        }

        public var epochs: Int { self == .nudity ? 3 : 1 }
    }

    /// Which closed form gives the adversarial embedding (the authors' `--emb_computing`).
    public enum Variant: String, Sendable, CaseIterable, Codable {
        /// `close_regzero`: regularised towards zero.
        case regzero
        /// `close_standardreg`: regularised towards the guide's embedding (the authors' "old target concept").
        case standardreg
        /// `close_surrogatereg`: regularised with the terms `surrogateTerms` picks.
        case surrogatereg
    }

    /// The regularisation terms of `surrogatereg` (the authors' `--reg_item`).
    public enum SurrogateTerms: String, Sendable, CaseIterable, Codable {
        /// λr Σ ‖W a − W c‖²: the adversarial keys/values stay near the concept's under the current weights.
        case first = "1st"
        /// λr ‖a − c‖²: the adversarial embedding stays near the concept's.
        case second = "2nd"
        /// Both terms.
        case both
    }

    public var variant: Variant = .regzero
    /// Used by `surrogatereg` only; the authors' default is 1st.
    public var surrogateTerms: SurrogateTerms = .first

    /// Rounds of (adversarial embedding, edit).
    public var epochs: Int
    /// λr in (λr I + Σ WᵀW)⁻¹ Σ WᵀW₀: how strongly the adversarial embedding is pulled towards zero (or, for the
    /// other variants, towards their targets).
    public var regularization: Double
    /// λ of each epoch's edit (the authors' --lamb 0.1).
    public var lambda: Double = 0.1
    public var eraseScale: Double = 1
    public var preserveScale: Double = 0.1
    public var technique: EditTechnique = .replace

    public init(task: Task = .nudity) {
        epochs = task.epochs
        regularization = task.regularization
    }

    public func validate() throws {
        if epochs < 0 { throw ErasureError.invalidSetting(Setting.epochs, reason: "must be 0 or more, got \(epochs)") }
        for (name, value) in [(Setting.regularization, regularization), (Setting.receLambda, lambda)] where !(value.isFinite && value > 0) {
            throw ErasureError.invalidSetting(name, reason: "must be a finite number above 0, got \(value)")
        }
        for (name, value) in [(Setting.receEraseScale, eraseScale), (Setting.recePreserveScale, preserveScale)]
        where !(value.isFinite && value >= 0) {
            throw ErasureError.invalidSetting(name, reason: "must be a finite number ≥ 0, got \(value)")
        }
    }
}
