import Foundation

extension EulerDiscreteScheduler {
    /// The inference sigmas (one per timestep plus the final one) and the timesteps that go with them, as
    /// diffusers' `set_timesteps` computes them: interpolated in float64 from the float32 training sigmas,
    /// optionally respaced (Karras, exponential), then rounded to float32.
    func inferenceSigmas(timesteps spaced: [Float], count: Int) -> (sigmas: [Float], timesteps: [Float]) {
        let training = EulerSchedulerSupport.trainingSigmas(noiseSchedule)
        var sigmas: [Double]
        switch interpolation {
        case .linear:
            sigmas = spaced.map { SchedulerNumerics.interpolate(Double($0), table: training) }
        case .logLinear:
            // diffusers makes count + 1 of these, log-spaced from the largest training sigma down to the smallest.
            let high = Foundation.log(training[training.count - 1]), low = Foundation.log(training[0])
            sigmas = SchedulerNumerics.torchLinspace(high, low, count: count + 1).map { Double(Foundation.exp($0)) }
        }
        var timesteps = spaced
        if useKarrasSigmas || useExponentialSigmas {
            let smallest = sigmaMin ?? sigmas.last ?? 0
            let largest = sigmaMax ?? sigmas.first ?? 0
            sigmas = useKarrasSigmas
                ? Self.karrasSigmas(min: smallest, max: largest, count: count)
                : Self.exponentialSigmas(min: smallest, max: largest, count: count)
            let logSigmas = training.map { Float(Foundation.log(Double($0))) }
            timesteps = sigmas.map { Float(Self.timestep(forSigma: $0, logSigmas: logSigmas)) }
        }
        let last: Float
        switch finalSigmasType {
        case .zero:
            last = 0
        case .sigmaMin:
            let first = noiseSchedule.alphasCumprod[0]
            last = ((1 - first) / first).squareRoot()
        }
        return (sigmas.map { Float($0) } + [last], timesteps)
    }

    /// Karras et al. 2022, equation 5, with ρ = 7: evenly spaced in σ^(1/ρ), in float64.
    static func karrasSigmas(min: Double, max: Double, count: Int) -> [Double] {
        let rho = 7.0
        let minInverse = pow(min, 1 / rho), maxInverse = pow(max, 1 / rho)
        return SchedulerNumerics.numpyLinspace(0, 1, count: count).map { ramp in
            pow(maxInverse + ramp * (minInverse - maxInverse), rho)
        }
    }

    /// Evenly spaced in log σ from `max` down to `min`, in float64.
    static func exponentialSigmas(min: Double, max: Double, count: Int) -> [Double] {
        SchedulerNumerics.numpyLinspace(Foundation.log(max), Foundation.log(min), count: count).map {
            Foundation.exp($0)
        }
    }

    /// The fractional training timestep whose log σ, interpolated linearly between neighbours, is log `sigma`
    /// (diffusers' `_sigma_to_t`, including its clamping at both ends).
    static func timestep(forSigma sigma: Double, logSigmas: [Float]) -> Double {
        guard logSigmas.count >= 2 else { return 0 }
        let logSigma = Foundation.log(Swift.max(sigma, 1e-10))
        // The last index whose log σ is at most ours (the first index if none is), at most count − 2.
        var running = 0, best = -1, lowIndex = 0
        for index in logSigmas.indices {
            if logSigma - Double(logSigmas[index]) >= 0 { running += 1 }
            if running > best {
                best = running
                lowIndex = index
            }
        }
        lowIndex = Swift.min(lowIndex, logSigmas.count - 2)
        let low = Double(logSigmas[lowIndex]), high = Double(logSigmas[lowIndex + 1])
        var weight = (low - logSigma) / (low - high)
        if !weight.isNaN { weight = Swift.min(Swift.max(weight, 0), 1) }
        return (1 - weight) * Double(lowIndex) + weight * Double(lowIndex + 1)
    }
}
