import ArgumentParser
import Foundation
import LetheDistributed
import LetheTensor
import LetheTraining

/// `lethe privacy epsilon`: what DP-SGD's settings spend, by the accountant the training uses (Opacus's RDP
/// accountant), without training anything.
struct Privacy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Differential privacy of DP-SGD: the (ε, δ) its settings spend, or the noise a budget needs.",
        subcommands: [Epsilon.self])

    struct Epsilon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print ε for a noise multiplier, sampling rate, steps and δ; or, with --target-epsilon, the noise multiplier needed.",
            discussion: """
                The Rényi-DP accountant of the sampled Gaussian mechanism, as Opacus's RDPAccountant: the Rényi \
                divergence at orders 1.1, 1.2, …, 10.9, 12, …, 63, converted to (ε, δ) at the best order. It assumes \
                Poisson sampling: each example joins each step's batch with probability --sample-rate (batch size / \
                number of examples). With --target-epsilon instead of --noise-multiplier it searches the noise \
                multiplier as Opacus's get_noise_multiplier does (doubling from 10, then bisecting until ε is within \
                --epsilon-tolerance below the target) and prints it with the ε it spends. --json prints one object \
                (epsilon, delta, noise_multiplier, sample_rate, steps, order, extreme_order, and target_epsilon and \
                epsilon_tolerance with --target-epsilon). Examples:
                  lethe privacy epsilon --noise-multiplier 1.1 --sample-rate 0.01 --steps 1000 --delta 1e-5
                  lethe privacy epsilon --target-epsilon 8 --sample-rate 0.01 --steps 1000 --delta 1e-5 --json
                """)

        @Option(parsing: .unconditional, help: ArgumentHelp("σ: the noise's standard deviation over the clipping norm.", valueName: "sigma"))
        var noiseMultiplier: Double?

        @Option(parsing: .unconditional, help: ArgumentHelp("The ε to reach: print the noise multiplier that spends at most this (instead of --noise-multiplier).", valueName: "epsilon"))
        var targetEpsilon: Double?

        @Option(parsing: .unconditional, help: ArgumentHelp("q: the probability that an example joins a step's batch (batch size / examples), in (0, 1].", valueName: "q"))
        var sampleRate: Double

        @Option(parsing: .unconditional, help: "Training steps.")
        var steps: Int

        @Option(parsing: .unconditional, help: ArgumentHelp("δ of the (ε, δ) guarantee, in (0, 1); commonly below 1 / examples.", valueName: "delta"))
        var delta: Double

        @Option(parsing: .unconditional, help: "With --target-epsilon: how far below the target the ε found may be (Opacus's default).")
        var epsilonTolerance = RDPAccountant.defaultEpsilonTolerance

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            switch (noiseMultiplier, targetEpsilon) {
            case (nil, nil): throw ValidationError("give --noise-multiplier (to get ε) or --target-epsilon (to get the noise multiplier)")
            case (.some, .some): throw ValidationError("give --noise-multiplier or --target-epsilon, not both")
            default: break
            }
        }

        /// The accountant's settings as this command's flags name them.
        static let flags: [Setting: String] = [
            .noiseMultiplier: "--noise-multiplier", .targetEpsilon: "--target-epsilon", .delta: "--delta",
        ]

        func run() throws {
            SettingFlags.install(overriding: Self.flags)
            guard try Communicator.world().rank == 0 else { return }
            let sigma = try noiseMultiplier ?? RDPAccountant.noiseMultiplier(
                targetEpsilon: targetEpsilon!, delta: delta, sampleRate: sampleRate, steps: steps, tolerance: epsilonTolerance)
            let spent = try RDPAccountant.privacySpent(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps, delta: delta)
            if spent.isExtremeOrder {
                let which = spent.order == RDPAccountant.defaultOrders.first ? "smallest" : "largest"
                FileHandle.standardError.write(Data("""
                    warning: the best Rényi order is the \(which) one tried (\(spent.order)); the true ε may be \
                    tighter than this bound (Opacus warns the same)\n
                    """.utf8))
            }
            let result = EpsilonResult(spent: spent, noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps,
                                targetEpsilon: targetEpsilon, epsilonTolerance: targetEpsilon == nil ? nil : epsilonTolerance)
            print(json ? try result.jsonLine() : result.text)
        }
    }

    /// What `lethe privacy epsilon` prints.
    struct EpsilonResult: Encodable {
        let epsilon: Double
        let delta: Double
        let noise_multiplier: Double
        let sample_rate: Double
        let steps: Int
        let order: Double
        let extreme_order: Bool
        let target_epsilon: Double?
        let epsilon_tolerance: Double?

        init(spent: PrivacySpent, noiseMultiplier: Double, sampleRate: Double, steps: Int, targetEpsilon: Double?,
             epsilonTolerance: Double?) {
            epsilon = spent.epsilon
            delta = spent.delta
            noise_multiplier = noiseMultiplier
            sample_rate = sampleRate
            self.steps = steps
            order = spent.order
            extreme_order = spent.isExtremeOrder
            target_epsilon = targetEpsilon
            epsilon_tolerance = epsilonTolerance
        }

        var text: String {
            let setting = "\(steps) steps of noise multiplier \(noise_multiplier) at sampling rate \(sample_rate)"
            let guarantee = "ε = \(String(format: "%.6g", epsilon)) at δ = \(delta)"
            let how = "(Rényi order \(order); Opacus's RDP accountant, Poisson sampling)"
            if let target_epsilon {
                return "noise multiplier \(noise_multiplier): \(guarantee) after \(steps) steps at sampling rate "
                    + "\(sample_rate), for target ε \(target_epsilon) \(how)"
            }
            return "\(guarantee) after \(setting) \(how)"
        }

        func jsonLine() throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }
}
