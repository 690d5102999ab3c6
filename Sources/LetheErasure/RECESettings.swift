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

    /// Rounds of (adversarial embedding, edit).
    public var epochs: Int
    /// λr in (λr I + Σ WᵀW)⁻¹ Σ WᵀW₀: how strongly the adversarial embedding is pulled towards zero.
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
        if epochs < 0 { throw ErasureError.invalidArgument(name: "--epochs", reason: "must be 0 or more, got \(epochs)") }
        for (name, value) in [("--reg", regularization), ("--rece-lamb", lambda)] where !(value.isFinite && value > 0) {
            throw ErasureError.invalidArgument(name: name, reason: "must be a finite number above 0, got \(value)")
        }
        for (name, value) in [("--rece-erase-scale", eraseScale), ("--rece-preserve-scale", preserveScale)]
        where !(value.isFinite && value >= 0) {
            throw ErasureError.invalidArgument(name: name, reason: "must be a finite number ≥ 0, got \(value)")
        }
    }
}
