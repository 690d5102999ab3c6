import LetheTensor

extension NoiseSchedule {
    /// The forward diffusion q(x_t | x₀): sqrt(ᾱ_t)·x₀ + sqrt(1 − ᾱ_t)·ε, with one timestep per batch item
    /// (the first axis) or a single timestep for the whole batch; diffusers' `add_noise`.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try combine(original, noise, timesteps: timesteps) { root, rootComplement, x, e in
            root * x + rootComplement * e
        }
    }

    /// The v-prediction target sqrt(ᾱ_t)·ε − sqrt(1 − ᾱ_t)·x, per batch item; diffusers' `get_velocity`.
    public func velocity(sample: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try combine(sample, noise, timesteps: timesteps) { root, rootComplement, x, e in
            root * e - rootComplement * x
        }
    }

    /// Applies `body(sqrt(ᾱ_t), sqrt(1 − ᾱ_t), x, ε)` to each batch item with its own timestep.
    private func combine(
        _ samples: Tensor, _ noise: Tensor, timesteps: [Int], _ body: (Float, Float, Float, Float) -> Float
    ) throws -> Tensor {
        try SchedulerTensorMath.requireShape(noise, samples.shape, argument: "noise")
        let batch = samples.shape.first ?? 1
        guard timesteps.count == batch || timesteps.count == 1 else {
            throw SchedulerError.timestepCountMismatch(count: timesteps.count, batchSize: batch)
        }
        for timestep in timesteps where !(0..<numTrainTimesteps).contains(timestep) {
            throw SchedulerError.timestepOutOfRange(scheduler: "NoiseSchedule", timestep: Float(timestep),
                                                    numTrainTimesteps: numTrainTimesteps)
        }
        let x = samples.contiguous(), e = noise.contiguous()
        let result = Tensor(zeros: samples.shape)
        let itemSize = samples.rank == 0 ? 1 : samples.count / Swift.max(batch, 1)
        let source = x.pointer, noiseValues = e.pointer, destination = result.pointer
        for item in 0..<Swift.max(batch, 1) where itemSize > 0 {
            let cumulative = alphasCumprod[timesteps.count == 1 ? timesteps[0] : timesteps[item]]
            let root = cumulative.squareRoot(), rootComplement = (1 - cumulative).squareRoot()
            for index in item * itemSize..<(item + 1) * itemSize {
                destination[index] = body(root, rootComplement, source[index], noiseValues[index])
            }
        }
        return result
    }
}
