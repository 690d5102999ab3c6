import LetheTensor

/// RECE's closed-form adversarial embedding (the regularise-to-zero form, `close_form_emb_regzero`): the embedding
/// a* whose keys and values under the edited weights W come closest to the concept's under the original W₀,
///
///     a* = argmin_a Σ_m ‖W_m a − W₀_m c‖² + λr ‖a‖²  =  (λr I + Σ W_mᵀW_m)⁻¹ (Σ W_mᵀW₀_m) c,
///
/// summed over every key and value projection, applied to each of the concept's 77 rows.
public struct AdversarialEmbedding {
    /// Σ WᵀW, Σ WᵀW₀ and Σ W₀ᵀW₀ over every projection, in float64.
    public struct Grams {
        public let edited: DoubleMatrix
        public let cross: DoubleMatrix
        public let original: DoubleMatrix

        public init(edited: DoubleMatrix, cross: DoubleMatrix, original: DoubleMatrix) {
            self.edited = edited
            self.cross = cross
            self.original = original
        }

        /// The sums between an erased model's projections (W) and its base model's (W₀), projection by projection
        /// in order: what an attacker holding both models solves against (`lethe eval`'s adversarial embedding).
        public init(edited: CrossAttentionProjections, original: CrossAttentionProjections) throws {
            guard edited.projections.map(\.name) == original.projections.map(\.name),
                  edited.projections.map(\.weight.shape) == original.projections.map(\.weight.shape) else {
                throw ErasureError.invalidInput(
                    name: "the erased model", reason: "its cross-attention key/value projections are not the base model's names and shapes")
            }
            let hidden = original.hiddenSize
            var (editedSum, crossSum, originalSum) = (DoubleMatrix(rows: hidden, columns: hidden),
                                                      DoubleMatrix(rows: hidden, columns: hidden),
                                                      DoubleMatrix(rows: hidden, columns: hidden))
            for (after, before) in zip(edited.projections, original.projections) {
                let w = try DoubleMatrix(after.weight), w0 = try DoubleMatrix(before.weight)
                try editedSum.addGram(of: w)
                try crossSum.addProduct(w, w0, transposingLeft: true)
                try originalSum.addGram(of: w0)
            }
            self.init(edited: editedSum, cross: crossSum, original: originalSum)
        }
    }

    /// λr I + Σ WᵀW, factorised, and Σ WᵀW₀: what the adversarial rows are solved from. The other closed forms
    /// (AdversarialEmbedding+Variants.swift) change both matrices and may add λr times a target row.
    public struct Solver {
        let normal: CholeskyFactorization
        let cross: DoubleMatrix
        /// standardreg's λr: each row's right-hand side gains targetScale · o for its target row o.
        var targetScale: Double = 0
    }

    public static func solver(_ grams: Grams, regularization: Double) throws -> Solver {
        var normal = grams.edited
        normal.addToDiagonal(regularization)
        return Solver(normal: try normal.choleskyFactorization(), cross: grams.cross)
    }

    /// The adversarial rows A for concept rows C (one token per row): each row a = (λr I + Σ WᵀW)⁻¹ (Σ WᵀW₀) c, i.e.
    /// Aᵀ = N⁻¹ (T Cᵀ), which needs no d×d solve with d right-hand sides.
    public static func rows(of concept: DoubleMatrix, solver: Solver) throws -> DoubleMatrix {
        try rows(of: concept, target: nil, solver: solver)
    }

    /// As `rows(of:solver:)`, with standardreg's target rows O (same shape as C): Aᵀ = N⁻¹ (T Cᵀ + λr Oᵀ).
    public static func rows(of concept: DoubleMatrix, target: DoubleMatrix?, solver: Solver) throws -> DoubleMatrix {
        var right = DoubleMatrix(rows: solver.cross.rows, columns: concept.rows)
        try right.addProduct(solver.cross, concept, transposingRight: true)
        if solver.targetScale != 0 {
            guard let target, target.rows == concept.rows, target.columns == concept.columns else {
                throw ErasureError.invalidInput(name: "standardreg", reason: "needs target rows shaped as the concept's")
            }
            try right.add(target.transposed(), scaledBy: solver.targetScale)
        }
        return try solver.normal.solve(right).transposed()
    }

    /// How well rows A under the edited weights re-create the concept's original keys and values:
    /// sqrt(Σ_m ‖A W_mᵀ − C W₀_mᵀ‖²) / sqrt(Σ_m ‖C W₀_mᵀ‖²), from the Gram sums (0: fully recovered).
    public static func recoveryResidual(_ rows: DoubleMatrix, concept: DoubleMatrix, grams: Grams) throws -> Double {
        func trace(_ left: DoubleMatrix, _ gram: DoubleMatrix, _ right: DoubleMatrix) throws -> Double {
            let product = try left.multiplied(by: gram)
            return zip(product.elements, right.elements).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let baseline = try trace(concept, grams.original, concept)
        let squared = try trace(rows, grams.edited, rows) - 2 * trace(rows, grams.cross, concept) + baseline
        return baseline > 0 ? (max(0, squared) / baseline).squareRoot() : 0
    }
}
