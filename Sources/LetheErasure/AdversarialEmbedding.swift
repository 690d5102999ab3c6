import LetheDistributed
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
    }

    /// The Gram sums for the current weights against `original` (float64 copies of the weights before any edit).
    /// Projection i's terms are computed by rank i % size and summed in projection order: the same bits for any
    /// number of ranks.
    public static func grams(
        _ projections: CrossAttentionProjections, original: [DoubleMatrix], communicator: Communicator
    ) throws -> Grams {
        let hidden = projections.hiddenSize
        let block = hidden * hidden
        let sum = try communicator.orderedSum(count: projections.projections.count, length: 3 * block) { index in
            let current = try DoubleMatrix(projections.projections[index].weight)
            var edited = DoubleMatrix(rows: hidden, columns: hidden)
            try edited.addGram(of: current)
            var cross = DoubleMatrix(rows: hidden, columns: hidden)
            try cross.addProduct(current, original[index], transposingLeft: true)
            var originalGram = DoubleMatrix(rows: hidden, columns: hidden)
            try originalGram.addGram(of: original[index])
            return edited.elements + cross.elements + originalGram.elements
        }
        return Grams(
            edited: try DoubleMatrix(rows: hidden, columns: hidden, elements: Array(sum[0..<block])),
            cross: try DoubleMatrix(rows: hidden, columns: hidden, elements: Array(sum[block..<(2 * block)])),
            original: try DoubleMatrix(rows: hidden, columns: hidden, elements: Array(sum[(2 * block)...])))
    }

    /// The map K with a* = K c: (λr I + Σ WᵀW)⁻¹ Σ WᵀW₀.
    public static func map(_ grams: Grams, regularization: Double) throws -> DoubleMatrix {
        var normal = grams.edited
        normal.addToDiagonal(regularization)
        return try normal.choleskyFactorization().solve(grams.cross)
    }

    /// The adversarial rows A = C Kᵀ for concept rows C (one token per row).
    public static func rows(of concept: DoubleMatrix, map: DoubleMatrix) throws -> DoubleMatrix {
        var result = DoubleMatrix(rows: concept.rows, columns: map.rows)
        try result.addProduct(concept, map, transposingRight: true)
        return result
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
