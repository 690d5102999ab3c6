import Foundation
import LetheTensor

/// (ε, δ) spent by DP-SGD: the Rényi-DP accountant of the sampled Gaussian mechanism, as Opacus's `RDPAccountant`
/// (`opacus/accountants/rdp.py`) with its default orders and its conversion to (ε, δ), and the noise multiplier for
/// a target ε as `opacus.accountants.utils.get_noise_multiplier` searches it. The guarantee assumes Poisson sampling
/// at `sampleRate`: each example joins each step's batch on its own with that probability.
public enum RDPAccountant {
    /// Opacus's `RDPAccountant.DEFAULT_ALPHAS`: 1.1, 1.2, …, 10.9, then 12, 13, …, 63.
    public static let defaultOrders: [Double] = {
        let fractional: [Double] = (1..<100).map { (x: Int) -> Double in 1 + Double(x) / 10.0 }
        let integer: [Double] = (12..<64).map { (x: Int) -> Double in Double(x) }
        return fractional + integer
    }()

    /// Opacus's `MAX_SIGMA`: the noise multiplier search gives up past it.
    public static let largestNoiseMultiplier = 1e6

    /// Opacus's default `epsilon_tolerance` of the noise multiplier search.
    public static let defaultEpsilonTolerance = 0.01

    /// The Rényi divergence of `steps` steps at each order.
    public static func rdp(noiseMultiplier: Double, sampleRate: Double, steps: Int,
                           orders: [Double] = defaultOrders) throws -> [Double] {
        try orders.map { try SampledGaussianRDP.rdp(sampleRate: sampleRate, noiseMultiplier: noiseMultiplier, order: $0) * Double(steps) }
    }

    /// ε at `delta` after `steps` steps of noise multiplier σ at sampling rate q (Opacus's `get_privacy_spent`).
    public static func privacySpent(noiseMultiplier: Double, sampleRate: Double, steps: Int, delta: Double,
                                    orders: [Double] = defaultOrders) throws -> PrivacySpent {
        try validate(noiseMultiplier: noiseMultiplier)
        try validate(sampleRate: sampleRate, steps: steps, delta: delta)
        let rdp = try rdp(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps, orders: orders)
        return convert(rdp: rdp, orders: orders, delta: delta)
    }

    /// Balle et al. 2020, Theorem 21 (as Opacus): at each order α,
    /// ε = RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α), and the least ε over the orders (NaN orders skipped; the
    /// first of equal ones).
    static func convert(rdp: [Double], orders: [Double], delta: Double) -> PrivacySpent {
        var best: (epsilon: Double, index: Int)?
        for (index, alpha) in orders.enumerated() {
            let epsilon = rdp[index] - (log(delta) + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha)
            if epsilon.isNaN { continue }
            if best == nil || epsilon < best!.epsilon { best = (epsilon, index) }
        }
        guard let best else { return PrivacySpent(epsilon: .infinity, delta: delta, order: .nan, isExtremeOrder: false) }
        return PrivacySpent(epsilon: best.epsilon, delta: delta, order: orders[best.index],
                            isExtremeOrder: best.index == 0 || best.index == orders.count - 1)
    }

    /// The noise multiplier that spends at most `targetEpsilon` at `delta` over `steps` steps at `sampleRate`, found as
    /// Opacus's `get_noise_multiplier` finds it: σ doubled from 10 until ε ≤ the target, then bisected between 0 and
    /// that σ until ε is within `tolerance` below the target; the larger end is returned (its ε never exceeds the
    /// target).
    public static func noiseMultiplier(targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int,
                                       tolerance: Double = defaultEpsilonTolerance,
                                       orders: [Double] = defaultOrders) throws -> Double {
        guard targetEpsilon > 0, targetEpsilon.isFinite else {
            throw PrivacyError.invalidSetting(.targetEpsilon, reason: "is \(targetEpsilon); it must be a positive number")
        }
        guard tolerance > 0, tolerance.isFinite else {
            throw PrivacyError.invalidSetting(.epsilonTolerance, reason: "is \(tolerance); it must be a positive number")
        }
        try validate(sampleRate: sampleRate, steps: steps, delta: delta)
        func epsilon(_ sigma: Double) throws -> Double {
            convert(rdp: try rdp(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps, orders: orders),
                    orders: orders, delta: delta).epsilon
        }
        var low = 0.0
        var high = 10.0
        var epsilonHigh = Double.infinity
        while epsilonHigh > targetEpsilon {
            high *= 2
            epsilonHigh = try epsilon(high)
            if high > largestNoiseMultiplier {
                throw PrivacyError.budgetTooSmall(targetEpsilon: targetEpsilon, largestNoiseMultiplier: high, epsilon: epsilonHigh)
            }
        }
        // Bisection halves the interval each time; past 200 halvings it cannot move in double precision.
        var halvings = 0
        while targetEpsilon - epsilonHigh > tolerance, halvings < 200 {
            let sigma = (low + high) / 2
            let spent = try epsilon(sigma)
            if spent < targetEpsilon {
                high = sigma
                epsilonHigh = spent
            } else {
                low = sigma
            }
            halvings += 1
        }
        return high
    }

    /// σ must be a positive number (σ = 0 adds no noise: there is no guarantee to account).
    public static func validate(noiseMultiplier: Double) throws {
        guard noiseMultiplier > 0, noiseMultiplier.isFinite else {
            throw PrivacyError.invalidSetting(.noiseMultiplier, reason: "is \(noiseMultiplier); it must be a positive number")
        }
    }

    /// q in (0, 1], at least one step, δ in (0, 1).
    public static func validate(sampleRate: Double, steps: Int, delta: Double) throws {
        guard sampleRate > 0, sampleRate <= 1 else {
            throw PrivacyError.invalidSetting(.sampleRate, reason: "is \(sampleRate); it must be above 0 and at most 1")
        }
        guard steps >= 1 else {
            throw PrivacyError.invalidSetting(.steps, reason: "is \(steps); it must be at least 1")
        }
        guard delta > 0, delta < 1 else {
            throw PrivacyError.invalidSetting(.delta, reason: "is \(delta); it must be above 0 and below 1")
        }
    }
}

/// A privacy guarantee: (ε, δ)-differential privacy, from the Rényi divergence at `order`.
public struct PrivacySpent: Sendable, Equatable, Codable {
    public var epsilon: Double
    public var delta: Double
    /// The Rényi order α the conversion chose.
    public var order: Double
    /// The best order is the smallest or the largest of the orders tried: a tighter ε may lie beyond them (Opacus
    /// warns then).
    public var isExtremeOrder: Bool

    public init(epsilon: Double, delta: Double, order: Double, isExtremeOrder: Bool) {
        self.epsilon = epsilon
        self.delta = delta
        self.order = order
        self.isExtremeOrder = isExtremeOrder
    }
}
