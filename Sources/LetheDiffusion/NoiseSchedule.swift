import Foundation

/// The training noise schedule: betas, alphas = 1 − β and their cumulative product ᾱ, in float32 and computed
/// the way diffusers computes them (float32 `torch.linspace`, then `torch.cumprod`, which accumulates in float64
/// on the CPU), so the values are bit-identical to diffusers'.
public struct NoiseSchedule: Sendable, Equatable {
    public let betas: [Float]
    public let alphas: [Float]
    /// ᾱ_t = ∏_{s ≤ t} α_s.
    public let alphasCumprod: [Float]

    public var numTrainTimesteps: Int { betas.count }

    /// Builds the schedule. `trainedBetas`, when given, replaces the beta schedule (one value per timestep).
    /// `rescaleToZeroTerminalSNR` applies Lin et al. 2023, algorithm 1, so that ᾱ at the last timestep is zero.
    public init(
        numTrainTimesteps: Int, betaStart: Double = 0.0001, betaEnd: Double = 0.02,
        schedule: BetaSchedule = .linear, trainedBetas: [Double]? = nil, rescaleToZeroTerminalSNR: Bool = false
    ) {
        precondition(numTrainTimesteps >= 1, "a noise schedule needs at least one timestep")
        var betas: [Float]
        if let trainedBetas {
            precondition(trainedBetas.count == numTrainTimesteps, "trained betas must have one value per timestep")
            betas = trainedBetas.map { Float($0) }
        } else {
            switch schedule {
            case .linear:
                betas = SchedulerNumerics.torchLinspace(Float(betaStart), Float(betaEnd), count: numTrainTimesteps)
            case .scaledLinear:
                betas = SchedulerNumerics.torchLinspace(
                    Float(pow(betaStart, 0.5)), Float(pow(betaEnd, 0.5)), count: numTrainTimesteps
                ).map { $0 * $0 }
            case .squaredcosCapV2:
                betas = NoiseSchedule.cosineBetas(count: numTrainTimesteps)
            }
        }
        if rescaleToZeroTerminalSNR { betas = NoiseSchedule.rescaledToZeroTerminalSNR(betas) }
        self.betas = betas
        alphas = betas.map { 1 - $0 }
        alphasCumprod = NoiseSchedule.cumulativeProduct(alphas)
    }

    init(betas: [Float], alphas: [Float], alphasCumprod: [Float]) {
        self.betas = betas
        self.alphas = alphas
        self.alphasCumprod = alphasCumprod
    }

    /// The same schedule with ᾱ at the last timestep replaced (Euler schedulers put 2⁻²⁴ there instead of the
    /// zero a zero-terminal-SNR rescale leaves, so the last sigma stays finite).
    func replacingTerminalAlphaCumprod(with value: Float) -> NoiseSchedule {
        var cumulative = alphasCumprod
        cumulative[cumulative.count - 1] = value
        return NoiseSchedule(betas: betas, alphas: alphas, alphasCumprod: cumulative)
    }

    /// Betas from ᾱ(t) = cos²((t + 0.008) / 1.008 · π/2), computed in float64 as diffusers does, capped at 0.999.
    static func cosineBetas(count: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<count).map { index in
            let t1 = Double(index) / Double(count), t2 = Double(index + 1) / Double(count)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// `torch.cumprod` of float32 values on the CPU: a float64 running product, each prefix rounded to float32.
    static func cumulativeProduct(_ values: [Float]) -> [Float] {
        var running = 1.0
        return values.map { value in
            running *= Double(value)
            return Float(running)
        }
    }

    /// Shifts and scales sqrt(ᾱ) so its last value is zero and its first unchanged, then recovers the betas;
    /// every operation in float32 as diffusers' `rescale_zero_terminal_snr`.
    static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        let cumulative = cumulativeProduct(betas.map { 1 - $0 })
        var roots = cumulative.map { $0.squareRoot() }
        guard let first = roots.first, let last = roots.last else { return betas }
        let scale = first / (first - last)
        roots = roots.map { ($0 - last) * scale }
        let alphasBar = roots.map { $0 * $0 }
        var alphas = [alphasBar[0]]
        for index in 1..<alphasBar.count { alphas.append(alphasBar[index] / alphasBar[index - 1]) }
        return alphas.map { 1 - $0 }
    }
}
