import LetheDistributed
import LetheTensor

/// The report's measures of an edit, from the weights before (`original`) and after (the projections now), each
/// projection measured by its owner rank and the sums taken in projection order.
public struct EditMetrics {
    /// Per erase pair: ‖W′c_e − W c_g‖ / ‖W c_e − W c_g‖ over the pair's rows, keys and values apart.
    public var erasureRatios: [ErasureReport.KeyValue]
    /// sqrt(Σ‖(W′ − W) p‖² / Σ‖W p‖²) over the preserved rows (from their Gram matrix), keys and values apart.
    public var preservedDrift: ErasureReport.KeyValue?

    public static func measure(
        pairs: [ClosedFormEdit.ErasePair], preserveGram: DoubleMatrix?, original: [DoubleMatrix],
        projections: CrossAttentionProjections, communicator: Communicator
    ) throws -> EditMetrics {
        let perProjection = 2 * pairs.count + 2
        let terms: [[Double]] = try communicator.distributedMap(
            count: projections.projections.count,
            counts: [Int](repeating: perProjection, count: projections.projections.count)
        ) { index in
            let before = original[index]
            let after = try DoubleMatrix(projections.projections[index].weight)
            var values: [Double] = []
            for pair in pairs {
                let target = try pair.guide.multiplied(by: before.transposed())
                values.append(try squaredDistance(pair.concept.multiplied(by: after.transposed()), target))
                values.append(try squaredDistance(pair.concept.multiplied(by: before.transposed()), target))
            }
            if let preserveGram {
                let change = try after.subtracting(before)
                values.append(try quadraticTrace(change, preserveGram))
                values.append(try quadraticTrace(before, preserveGram))
            } else {
                values += [0, 0]
            }
            return values
        }
        // Sums per kind, in projection order.
        var sums: [CrossAttentionProjections.Kind: [Double]] = [.key: .init(repeating: 0, count: perProjection),
                                                                  .value: .init(repeating: 0, count: perProjection)]
        for (projection, values) in zip(projections.projections, terms) {
            for index in 0..<perProjection { sums[projection.kind]![index] += values[index] }
        }
        func ratio(_ kind: CrossAttentionProjections.Kind, _ numerator: Int) -> Double {
            let denominator = sums[kind]![numerator + 1]
            return denominator > 0 ? (sums[kind]![numerator] / denominator).squareRoot() : 0
        }
        let ratios = pairs.indices.map { ErasureReport.KeyValue(key: ratio(.key, 2 * $0), value: ratio(.value, 2 * $0)) }
        let drift = preserveGram.map { _ in
            ErasureReport.KeyValue(key: ratio(.key, 2 * pairs.count), value: ratio(.value, 2 * pairs.count))
        }
        return EditMetrics(erasureRatios: ratios, preservedDrift: drift)
    }

    private static func squaredDistance(_ a: DoubleMatrix, _ b: DoubleMatrix) throws -> Double {
        zip(a.elements, b.elements).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// tr(M G Mᵀ) = Σ ‖M p‖² over the rows p whose Gram matrix is G.
    private static func quadraticTrace(_ matrix: DoubleMatrix, _ gram: DoubleMatrix) throws -> Double {
        let product = try matrix.multiplied(by: gram)
        return zip(product.elements, matrix.elements).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
