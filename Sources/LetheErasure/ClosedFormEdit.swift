import LetheDistributed
import LetheTensor

/// How an erased concept's new keys/values are chosen (UCE's `technique`).
public enum EditTechnique: String, Sendable, CaseIterable, Codable {
    /// v* = W c_guide: the concept's keys/values become the guide's.
    case replace
    /// v* = W c_guide minus its component along W c_concept (the authors' "tensor" technique).
    case tensor
}

/// The closed-form edit of UCE (Gandikota et al. 2023, eq. 7) for every key/value projection W:
///
///     W′ = (λ W + s_e Σᵢ v*ᵢ cᵢᵀ + s_p Σⱼ W pⱼ pⱼᵀ) (λ I + s_e Σᵢ cᵢ cᵢᵀ + s_p Σⱼ pⱼ pⱼᵀ)⁻¹
///
/// over the rows c of each erased concept (v* from the aligned guide rows) and the rows p of each preserved prompt,
/// all in float64. The right-hand matrix is the same for every projection, so it is factorised once (Cholesky:
/// it is symmetric positive definite for λ > 0); with `replace` the whole edit is W′ = W·M for one M.
public struct ClosedFormEdit {
    /// One erased concept: its embedding rows and the guide rows it is steered to (same count, aligned).
    public struct ErasePair {
        public let concept: DoubleMatrix
        public let guide: DoubleMatrix

        public init(concept: DoubleMatrix, guide: DoubleMatrix) throws {
            guard concept.rows == guide.rows, concept.columns == guide.columns else {
                throw ErasureError.invalidInput(
                    name: "erase pair", reason: "has \(concept.rows) concept rows but \(guide.rows) guide rows")
            }
            self.concept = concept
            self.guide = guide
        }
    }

    public var lambda: Double
    public var eraseScale: Double
    public var preserveScale: Double
    public var technique: EditTechnique
    public var pairs: [ErasePair]
    /// Σⱼ pⱼ pⱼᵀ over every row of every preserved prompt (unscaled).
    public var preserveGram: DoubleMatrix

    public init(lambda: Double, eraseScale: Double, preserveScale: Double, technique: EditTechnique,
                pairs: [ErasePair], preserveGram: DoubleMatrix) {
        self.lambda = lambda
        self.eraseScale = eraseScale
        self.preserveScale = preserveScale
        self.technique = technique
        self.pairs = pairs
        self.preserveGram = preserveGram
    }

    /// What every projection's edit shares, computed once per rank (the same bits on every rank).
    public struct Solver {
        let edit: ClosedFormEdit
        /// λI + s_e Σ c cᵀ + s_p Σ p pᵀ, factorised.
        let normal: CholeskyFactorization
        /// λI + s_p Σ p pᵀ + s_e Σ c_guide cᵀ: W times this is the left-hand matrix when v* = W c_guide.
        let leftFactor: DoubleMatrix
        /// replace: W′ = W M with M = I + U V (see `ReplaceUpdate`).
        public let replace: ReplaceUpdate?
    }

    /// The replace edit's M = L N⁻¹ as I + U V: L − N = s_e Σ (g − c)ᵀ c over the erase rows, so
    /// M = I + s_e Σ (g − c)ᵀ (c N⁻¹), a rank-R update for R erase rows (U is d×R, V is R×d). With R well below d,
    /// W M = W + (W U) V takes 2R/d of a full product, and no d×d solve with d right-hand sides is needed.
    public struct ReplaceUpdate {
        public let u: DoubleMatrix
        public let v: DoubleMatrix

        /// W M for W [n, d].
        public func applied(to weight: DoubleMatrix) throws -> DoubleMatrix {
            if 2 * u.columns > u.rows {
                // Many erase rows: one full d×d M is cheaper than the two thin products.
                var full = DoubleMatrix.identity(u.rows)
                try full.addProduct(u, v)
                return try weight.multiplied(by: full)
            }
            var result = weight
            try result.addProduct(weight.multiplied(by: u), v)
            return result
        }
    }

    public func solver() throws -> Solver {
        let hidden = preserveGram.rows
        var normal = preserveGram.scaled(by: preserveScale)
        normal.addToDiagonal(lambda)
        var leftFactor = normal
        for pair in pairs {
            try normal.addProduct(pair.concept, pair.concept, transposingLeft: true, scale: eraseScale)
            try leftFactor.addProduct(pair.guide, pair.concept, transposingLeft: true, scale: eraseScale)
        }
        guard normal.elements.allSatisfy(\.isFinite), normal.rows == hidden else {
            throw ErasureError.nonFinite(stage: "The erase and preserve Gram matrices")
        }
        let factorization = try normal.choleskyFactorization()
        var replace: ReplaceUpdate?
        if technique == .replace {
            let concepts = try DoubleMatrix(stacking: pairs.map(\.concept), columns: hidden)
            let differences = try DoubleMatrix(stacking: pairs.map { try $0.guide.subtracting($0.concept) }, columns: hidden)
            // c N⁻¹ with N symmetric: (N⁻¹ cᵀ)ᵀ.
            replace = ReplaceUpdate(
                u: differences.transposed().scaled(by: eraseScale),
                v: try factorization.solve(concepts.transposed()).transposed())
        }
        return Solver(edit: self, normal: factorization, leftFactor: leftFactor, replace: replace)
    }
}

extension ClosedFormEdit.Solver {
    /// W′ for one projection W [out, hidden].
    public func edited(_ weight: DoubleMatrix) throws -> DoubleMatrix {
        if let replace { return try replace.applied(to: weight) }
        // tensor: v*ᵢ = W gᵢ − ⟨uᵢ, W gᵢ⟩ uᵢ with uᵢ = W cᵢ / ‖W cᵢ‖ (Frobenius over the concept's rows), so
        // Σ v*ᵢ cᵢᵀ = W gᵢᵀcᵢ − ⟨uᵢ, W gᵢ⟩ uᵢᵀ cᵢ and the left-hand matrix is W·leftFactor minus those terms.
        var left = try weight.multiplied(by: leftFactor)
        for pair in edit.pairs {
            var conceptOutputs = DoubleMatrix(rows: pair.concept.rows, columns: weight.rows)
            try conceptOutputs.addProduct(pair.concept, weight, transposingRight: true)
            let norm = conceptOutputs.frobeniusNorm
            guard norm > 0 else { continue }
            conceptOutputs.scale(by: 1 / norm)
            var guideOutputs = DoubleMatrix(rows: pair.guide.rows, columns: weight.rows)
            try guideOutputs.addProduct(pair.guide, weight, transposingRight: true)
            let projection = zip(conceptOutputs.elements, guideOutputs.elements).reduce(0) { $0 + $1.0 * $1.1 }
            try left.addProduct(conceptOutputs, pair.concept, transposingLeft: true, scale: -edit.eraseScale * projection)
        }
        return try normal.solve(left.transposed()).transposed()
    }

    /// Edits every projection in place, each solved whole by one rank and shared with every rank.
    public func apply(to projections: CrossAttentionProjections, communicator: Communicator) throws {
        try projections.replaceAll(communicator: communicator) { projection in
            try edited(DoubleMatrix(projection.weight)).toTensor()
        }
    }
}
