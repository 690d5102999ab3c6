import Foundation

/// The Rényi differential privacy of one step of the sampled Gaussian mechanism (each example in the batch with
/// probability q, Gaussian noise of standard deviation σ·C on the sum of gradients clipped to norm C) at order α,
/// as Opacus's `opacus/accountants/analysis/rdp.py` computes it (`_compute_rdp`, after Mironov, Talwar and Zhang
/// 2019, section 3.3): log(A_α)/(α − 1), with A_α a finite binomial sum for integer α and two series over the
/// halves of the real line for fractional α. Every sum runs in log space, term by term in Opacus's order and with
/// its stopping rule, so the figures agree with Opacus's to rounding.
enum SampledGaussianRDP {
    /// The RDP at order `order` of one step; +∞ when there is no privacy (σ = 0).
    static func rdp(sampleRate q: Double, noiseMultiplier sigma: Double, order alpha: Double) throws -> Double {
        if q == 0 { return 0 }
        if sigma == 0 { return .infinity }
        // Without subsampling the mechanism is the Gaussian mechanism, whose RDP is α/(2σ²) in closed form.
        if q == 1 { return alpha / (2 * (sigma * sigma)) }
        if alpha.isInfinite { return .infinity }
        return try logA(q: q, sigma: sigma, alpha: alpha) / (alpha - 1)
    }

    /// log(A_α) for any finite α > 1.
    static func logA(q: Double, sigma: Double, alpha: Double) throws -> Double {
        if alpha.rounded() == alpha, alpha < Double(Int.max) {
            return logAIntegerOrder(q: q, sigma: sigma, alpha: Int(alpha))
        }
        return try logAFractionalOrder(q: q, sigma: sigma, alpha: alpha)
    }

    /// A_α = Σ_{i=0…α} C(α, i) q^i (1 − q)^(α−i) exp((i² − i)/(2σ²)).
    static func logAIntegerOrder(q: Double, sigma: Double, alpha: Int) -> Double {
        var logA = -Double.infinity
        for i in 0...alpha {
            let logCoefficient = log(binomial(Double(alpha), i)) + Double(i) * log(q) + Double(alpha - i) * log(1 - q)
            let term = logCoefficient + Double(i * i - i) / (2 * (sigma * sigma))
            logA = logAdd(logA, term)
        }
        return logA
    }

    /// A_α for fractional α: the generalised binomial series split at z₀ = σ² log(1/q − 1) + ½, each half weighted by
    /// the Gaussian tail beyond z₀, summed until both halves' terms fall below e⁻³⁰ (Opacus's stopping rule).
    static func logAFractionalOrder(q: Double, sigma: Double, alpha: Double) throws -> Double {
        var logA0 = -Double.infinity
        var logA1 = -Double.infinity
        let z0 = (sigma * sigma) * log(1 / q - 1) + 0.5
        let sigmaSqrt2 = 2.0.squareRoot() * sigma
        var i = 0
        while true {
            let coefficient = binomial(alpha, i)
            let logCoefficient = log(abs(coefficient))
            let j = alpha - Double(i)
            let index = Double(i)

            let logT0 = logCoefficient + index * log(q) + j * log(1 - q)
            let logT1 = logCoefficient + j * log(q) + index * log(1 - q)
            let logE0 = log(0.5) + logErfc((index - z0) / sigmaSqrt2)
            let logE1 = log(0.5) + logErfc((z0 - j) / sigmaSqrt2)
            let logS0 = logT0 + (index * index - index) / (2 * (sigma * sigma)) + logE0
            let logS1 = logT1 + (j * j - j) / (2 * (sigma * sigma)) + logE1

            if coefficient > 0 {
                logA0 = logAdd(logA0, logS0)
                logA1 = logAdd(logA1, logS1)
            } else {
                logA0 = try logSubtract(logA0, logS0, order: alpha)
                logA1 = try logSubtract(logA1, logS1, order: alpha)
            }
            i += 1
            if max(logS0, logS1) < -30 { break }
            // The terms fall like i^(−α−1) times a Gaussian tail; a series still going this far has met NaN.
            if i > 1_000_000 { throw PrivacyError.seriesDidNotConverge(order: alpha) }
        }
        return logAdd(logA0, logA1)
    }

    /// log(eˣ + eʸ).
    static func logAdd(_ x: Double, _ y: Double) -> Double {
        let (a, b) = (min(x, y), max(x, y))
        if a == -.infinity { return b }
        return log1p(exp(a - b)) + b
    }

    /// log(eˣ − eʸ) for x ≥ y. A difference too large for expm1 leaves x, as Opacus's overflow fallback does.
    static func logSubtract(_ x: Double, _ y: Double, order: Double) throws -> Double {
        guard x >= y else { throw PrivacyError.seriesDidNotConverge(order: order) }
        if y == -.infinity { return x }
        if x == y { return -.infinity }
        let difference = expm1(x - y)
        if difference.isInfinite { return x }
        return log(difference) + y
    }

    /// log(erfc(x)), also where erfc(x) itself underflows. Below 26 glibc's erfc keeps its relative accuracy (it is
    /// about 5e−296 there); beyond, the asymptotic series erfc(x) ≈ e^(−x²)/(x√π) Σ (−1)ᵏ (2k−1)!!/(2x²)ᵏ, whose
    /// terms shrink below 1e−17 within a few.
    static func logErfc(_ x: Double) -> Double {
        if x < 26 { return log(erfc(x)) }
        let x2 = x * x
        var term = 1.0
        var sum = 1.0
        for k in 1...12 {
            term *= -Double(2 * k - 1) / (2 * x2)
            sum += term
            if abs(term) < 1e-17 { break }
        }
        return -x2 - log(x) - 0.5 * log(Double.pi) + log(sum)
    }

    /// The binomial coefficient C(n, k) for real n and integer k ≥ 0 as scipy's `special.binom` computes it: for an
    /// integer n reduced by symmetry to the smaller k; below k = 20 by the multiplication formula, rescaled as it goes;
    /// from k = 20 as 1/((n + 1) B(n − k + 1, k + 1)), here through log-gamma with each Γ's sign (for fractional n the
    /// coefficients alternate in sign past n + 1 and fall like k^(−n−1); a product over hundreds of terms, which the
    /// slowly converging series of small orders needs, would overflow its denominator).
    static func binomial(_ n: Double, _ k: Int) -> Double {
        var k = k
        if n.rounded() == n, n > 0, Double(k) > n / 2 { k = Int(n) - k }
        if k < 0 { return 0 }
        if k >= 20 {
            var signs: (Int32, Int32, Int32) = (0, 0, 0)
            let logValue = lgamma_r(n + 1, &signs.0) - lgamma_r(Double(k) + 1, &signs.1) - lgamma_r(n - Double(k) + 1, &signs.2)
            return Double(signs.0 * signs.1 * signs.2) * exp(logValue)
        }
        var numerator = 1.0
        var denominator = 1.0
        if k > 0 {
            for i in 1...k {
                numerator *= Double(i) + n - Double(k)
                denominator *= Double(i)
                if abs(numerator) > 1e50 {
                    numerator /= denominator
                    denominator = 1
                }
            }
        }
        return numerator / denominator
    }
}
