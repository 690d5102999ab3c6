import Foundation
import Testing
import LetheTensor

/// Distribution checks on 10^6 samples. Every bound is five standard errors of the statistic (or a KS critical
/// value at α = 1e-6), so a correct generator fails with probability below ~1e-6 per check, and the streams are
/// fixed, so the outcome is deterministic anyway.
@Suite struct PhiloxStatisticsTests {
    static let sampleCount = 1_000_000
    static let n = Double(sampleCount)
    /// Kolmogorov–Smirnov: P(√n·D > c) ≈ 2·exp(−2c²); c = 2.69 gives α ≈ 1e-6.
    static let ksBound = 2.69

    static func ksStatistic(sorted: [Double], cdf: (Double) -> Double) -> Double {
        var largest = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            largest = max(largest, f - Double(i) / n, Double(i + 1) / n - f)
        }
        return largest * n.squareRoot()
    }

    @Test func normalFloatMomentsAndShape() {
        let values = RandomStream(seed: 2024, purpose: "statistics", id: 1)
            .normalFloats(count: Self.sampleCount).map(Double.init)
        #expect(values.allSatisfy { $0.isFinite && abs($0) < 6.67 }, "Box–Muller radius is at most √(2·32·ln 2)")
        let n = Self.n
        let mean = values.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for x in values {
            let d = x - mean
            m2 += d * d
            m3 += d * d * d
            m4 += d * d * d * d
        }
        m2 /= n; m3 /= n; m4 /= n
        let skewness = m3 / pow(m2, 1.5)
        let excessKurtosis = m4 / (m2 * m2) - 3
        // Standard errors for N(0,1): mean 1/√n, variance √(2/n), skewness √(6/n), excess kurtosis √(24/n).
        #expect(abs(mean) < 5 / n.squareRoot(), "mean \(mean)")
        #expect(abs(m2 - 1) < 5 * (2 / n).squareRoot(), "variance \(m2)")
        #expect(abs(skewness) < 5 * (6 / n).squareRoot(), "skewness \(skewness)")
        #expect(abs(excessKurtosis) < 5 * (24 / n).squareRoot(), "excess kurtosis \(excessKurtosis)")
        // The cosine and sine halves of each pair are uncorrelated: correlation SE is 1/√pairs.
        var pairProduct = 0.0
        for pair in 0..<(Self.sampleCount / 2) { pairProduct += values[2 * pair] * values[2 * pair + 1] }
        let pairs = n / 2
        #expect(abs(pairProduct / pairs) < 5 / pairs.squareRoot(), "pair correlation \(pairProduct / pairs)")
        let ks = Self.ksStatistic(sorted: values.sorted()) { 0.5 * erfc(-$0 / 2.0.squareRoot()) }
        #expect(ks < Self.ksBound, "KS √n·D = \(ks) against N(0,1)")
    }

    @Test func normalDoubleMomentsAndShape() {
        let values = RandomStream(seed: 2024, purpose: "statistics", id: 2).normalDoubles(count: Self.sampleCount)
        let n = Self.n
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        #expect(abs(mean) < 5 / n.squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) < 5 * (2 / n).squareRoot(), "variance \(variance)")
        let ks = Self.ksStatistic(sorted: values.sorted()) { 0.5 * erfc(-$0 / 2.0.squareRoot()) }
        #expect(ks < Self.ksBound, "KS √n·D = \(ks) against N(0,1)")
    }

    @Test func uniformFloatRangeMomentsChiSquareAndKS() {
        let values = RandomStream(seed: 2024, purpose: "statistics", id: 3).uniformFloats(count: Self.sampleCount)
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let n = Self.n
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / n).squareRoot(), "mean \(mean)")
        // χ² over 1000 equal bins: 999 degrees of freedom, mean 999, standard deviation √1998.
        let bins = 1000
        var counts = [Int](repeating: 0, count: bins)
        for x in values { counts[Int(x * Float(bins))] += 1 }
        let expected = n / Double(bins)
        let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        let spread = 5 * (2.0 * Double(bins - 1)).squareRoot()
        #expect(abs(chiSquare - Double(bins - 1)) < spread, "χ² = \(chiSquare) with \(bins - 1) degrees of freedom")
        let ks = Self.ksStatistic(sorted: values.map(Double.init).sorted()) { $0 }
        #expect(ks < Self.ksBound, "KS √n·D = \(ks) against U(0,1)")
    }

    @Test func uniformDoubleRangeAndKS() {
        let values = RandomStream(seed: 2024, purpose: "statistics", id: 4).uniformDoubles(count: Self.sampleCount)
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let ks = Self.ksStatistic(sorted: values.sorted()) { $0 }
        #expect(ks < Self.ksBound, "KS √n·D = \(ks) against U(0,1)")
        // The low bits matter too: the fractional part of 2^20·u is uniform only if bits beyond the 20th are.
        let lowBits = values.map { ($0 * 0x1p20).truncatingRemainder(dividingBy: 1) }.sorted()
        let lowKS = Self.ksStatistic(sorted: lowBits) { $0 }
        #expect(lowKS < Self.ksBound, "KS √n·D = \(lowKS) for bits 21–53")
    }

    @Test func uniformFloatExtremesAreRepresentable() {
        // A word of all ones maps to the largest Float below 1, a zero word to 0: never 1.
        var found = (low: Float(1), high: Float(0))
        let stream = RandomStream(seed: 9, stream: 9)
        for x in stream.uniformFloats(count: 1 << 20) { found = (min(found.low, x), max(found.high, x)) }
        #expect(found.high < 1 && found.high > 1 - 1e-4)
        #expect(found.low >= 0 && found.low < 1e-4)
    }
}
