import Foundation
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

/// Tests/Fixtures/references/privacy-accountant.json (Scripts/reference/make_privacy_fixtures.py): Opacus's RDP
/// accountant's figures for one step's Rényi divergence at every default order, ε for a grid of settings, and the
/// noise multiplier its search finds for target ε.
private struct PrivacyFixture: Decodable {
    struct RDPRow: Decodable {
        var noise_multiplier: Double
        var sample_rate: Double
        var rdp: [Double]
    }

    struct EpsilonRow: Decodable {
        var noise_multiplier: Double
        var sample_rate: Double
        var steps: Int
        var delta: Double
        var epsilon: Double
        var order: Double
        var extreme_order: Bool
    }

    struct NoiseRow: Decodable {
        var target_epsilon: Double
        var delta: Double
        var sample_rate: Double
        var steps: Int
        var epsilon_tolerance: Double
        var noise_multiplier: Double
        var epsilon: Double
    }

    var opacus: String
    var orders: [Double]
    var rdp: [RDPRow]
    var epsilon: [EpsilonRow]
    var noise_multiplier: [NoiseRow]

    static func load() throws -> PrivacyFixture {
        try JSONDecoder().decode(PrivacyFixture.self, from: Data(contentsOf: Fixture.reference("privacy-accountant.json")))
    }
}

@Suite("Rényi-DP accountant against Opacus")
struct RDPAccountantTests {
    /// Agreement asked of ε: relative, |a − b| / |b|. The sums follow Opacus's term order; what differs is libm's
    /// erfc against scipy's erfcx and the binomial coefficients' rounding.
    static let tolerance = 1e-11
    /// Agreement asked of one step's divergence at one order: A_α is 1 + O(q²), so log A_α is a small difference of
    /// O(1) sums and its relative error is larger (measured 3.5e−10 at q = 0.01, order 1.2: 4.4e−13 absolute).
    static let divergenceTolerance = 1e-9

    private static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

    @Test func defaultOrdersAreOpacus() throws {
        let fixture = try PrivacyFixture.load()
        #expect(RDPAccountant.defaultOrders == fixture.orders)
        #expect(RDPAccountant.defaultOrders.count == 99 + 52)
    }

    /// Each order's divergence on its own: the integer orders' binomial sums and the fractional orders' two series.
    @Test func rdpAtEveryOrder() throws {
        let fixture = try PrivacyFixture.load()
        #expect(fixture.rdp.count == 4)
        var worst = 0.0
        for row in fixture.rdp {
            let rdp = try RDPAccountant.rdp(noiseMultiplier: row.noise_multiplier, sampleRate: row.sample_rate, steps: 1)
            #expect(rdp.count == row.rdp.count)
            for (index, (mine, theirs)) in zip(rdp, row.rdp).enumerated() {
                let error = Self.relative(mine, theirs)
                worst = max(worst, error)
                #expect(error <= Self.divergenceTolerance,
                        "σ \(row.noise_multiplier), q \(row.sample_rate), order \(fixture.orders[index]): \(mine) vs Opacus \(theirs)")
            }
        }
        print("RDP per order against Opacus \(try PrivacyFixture.load().opacus): worst relative error \(worst)")
    }

    @Test func epsilonForEachSetting() throws {
        let fixture = try PrivacyFixture.load()
        #expect(fixture.epsilon.count >= 17)
        // The grid must reach both ends of the orders and the Gaussian mechanism without sampling.
        #expect(fixture.epsilon.contains { $0.extreme_order && $0.order == 1.1 })
        #expect(fixture.epsilon.contains { $0.extreme_order && $0.order == 63 })
        #expect(fixture.epsilon.contains { $0.sample_rate == 1 })
        var worst = 0.0
        for row in fixture.epsilon {
            let spent = try RDPAccountant.privacySpent(noiseMultiplier: row.noise_multiplier, sampleRate: row.sample_rate,
                                                       steps: row.steps, delta: row.delta)
            let error = Self.relative(spent.epsilon, row.epsilon)
            worst = max(worst, error)
            let setting = "σ \(row.noise_multiplier), q \(row.sample_rate), \(row.steps) steps, δ \(row.delta)"
            #expect(error <= Self.tolerance, "\(setting): ε \(spent.epsilon) vs Opacus \(row.epsilon)")
            #expect(spent.order == row.order, "\(setting): order \(spent.order) vs Opacus \(row.order)")
            #expect(spent.isExtremeOrder == row.extreme_order, "\(setting)")
            #expect(spent.delta == row.delta)
        }
        print("ε against Opacus: worst relative error \(worst) over \(fixture.epsilon.count) settings")
    }

    /// The search is a bisection over exactly representable midpoints, so the same comparisons give the same σ.
    @Test func noiseMultiplierForTargetEpsilon() throws {
        let fixture = try PrivacyFixture.load()
        #expect(fixture.noise_multiplier.count >= 6)
        for row in fixture.noise_multiplier {
            let sigma = try RDPAccountant.noiseMultiplier(targetEpsilon: row.target_epsilon, delta: row.delta,
                                                          sampleRate: row.sample_rate, steps: row.steps,
                                                          tolerance: row.epsilon_tolerance)
            let setting = "target ε \(row.target_epsilon), δ \(row.delta), q \(row.sample_rate), \(row.steps) steps"
            #expect(sigma == row.noise_multiplier, "\(setting): σ \(sigma) vs Opacus \(row.noise_multiplier)")
            let spent = try RDPAccountant.privacySpent(noiseMultiplier: sigma, sampleRate: row.sample_rate,
                                                       steps: row.steps, delta: row.delta)
            #expect(Self.relative(spent.epsilon, row.epsilon) <= Self.tolerance, "\(setting)")
            #expect(spent.epsilon <= row.target_epsilon && row.target_epsilon - spent.epsilon <= row.epsilon_tolerance)
        }
    }

    /// More noise, fewer steps, a lower rate or a larger δ never spend more.
    @Test func epsilonIsMonotone() throws {
        func epsilon(_ sigma: Double, _ q: Double, _ steps: Int, _ delta: Double) throws -> Double {
            try RDPAccountant.privacySpent(noiseMultiplier: sigma, sampleRate: q, steps: steps, delta: delta).epsilon
        }
        let base = try epsilon(1, 0.02, 500, 1e-5)
        #expect(try epsilon(1.2, 0.02, 500, 1e-5) < base)
        #expect(try epsilon(1, 0.02, 400, 1e-5) < base)
        #expect(try epsilon(1, 0.01, 500, 1e-5) < base)
        #expect(try epsilon(1, 0.02, 500, 1e-3) < base)
    }

    @Test func badSettingsAreNamed() throws {
        func message(_ body: () throws -> Any) -> String {
            do {
                _ = try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 0, sampleRate: 0.1, steps: 10, delta: 1e-5) }
            == "`noiseMultiplier` is 0.0; it must be a positive number.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: -1, sampleRate: 0.1, steps: 10, delta: 1e-5) }
            == "`noiseMultiplier` is -1.0; it must be a positive number.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: .nan, sampleRate: 0.1, steps: 10, delta: 1e-5) }
            == "`noiseMultiplier` is nan; it must be a positive number.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 0, steps: 10, delta: 1e-5) }
            == "`sampleRate` is 0.0; it must be above 0 and at most 1.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 1.5, steps: 10, delta: 1e-5) }
            == "`sampleRate` is 1.5; it must be above 0 and at most 1.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 0.1, steps: 0, delta: 1e-5) }
            == "`steps` is 0; it must be at least 1.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 0.1, steps: 10, delta: 1) }
            == "`delta` is 1.0; it must be above 0 and below 1.")
        #expect(message { try RDPAccountant.privacySpent(noiseMultiplier: 1, sampleRate: 0.1, steps: 10, delta: 0) }
            == "`delta` is 0.0; it must be above 0 and below 1.")
        #expect(message { try RDPAccountant.noiseMultiplier(targetEpsilon: -2, delta: 1e-5, sampleRate: 0.1, steps: 10) }
            == "`targetEpsilon` is -2.0; it must be a positive number.")
        #expect(message { try RDPAccountant.noiseMultiplier(targetEpsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 10, tolerance: 0) }
            == "`epsilonTolerance` is 0.0; it must be a positive number.")
        // Opacus gives up past σ = 10⁶ ("The privacy budget is too low."): at q = 1 no noise buys ε 10⁻⁹.
        let tooSmall = message { try RDPAccountant.noiseMultiplier(targetEpsilon: 1e-9, delta: 1e-5, sampleRate: 1, steps: 10) }
        #expect(tooSmall.hasPrefix("`targetEpsilon` 1e-09 is too small a budget: even noise multiplier 1310720.0 spends ε = "), "\(tooSmall)")
    }
}
