import Foundation
import LetheTensor

/// diffusers' `TimestepEmbedding`: linear_1, SiLU, linear_2, applied to the sinusoidal projection of the timesteps.
public struct TimestepEmbedding: Sendable {
    public let linear1: Linear
    public let linear2: Linear

    /// Loads `PREFIX.linear_1` [embedding, input] and `PREFIX.linear_2` [embedding, embedding], with biases.
    public init(_ store: WeightStore, _ prefix: String, inputChannels: Int, embeddingChannels: Int) throws {
        linear1 = try Linear(store, "\(prefix).linear_1", inFeatures: inputChannels, outFeatures: embeddingChannels)
        linear2 = try Linear(store, "\(prefix).linear_2", inFeatures: embeddingChannels, outFeatures: embeddingChannels)
    }
}

extension TimestepEmbedding {
    /// diffusers' `get_timestep_embedding` (the `Timesteps` projection) in the float32 steps it takes:
    /// frequencies exp(−ln(max_period) · i / (half − shift)) for i < half = channels/2, arguments t · frequency,
    /// [sin | cos] (or [cos | sin] with `flipSinToCos`), a zero column when `channels` is odd → [timesteps.count, channels].
    public static func sinusoidal(_ timesteps: [Float], channels: Int, flipSinToCos: Bool, downscaleFrequencyShift: Double,
                                  scale: Float = 1, maxPeriod: Double = 10000) -> Tensor {
        let half = channels / 2
        // As torch computes it: (float32(−ln P) · float32(i)) / float32(half − shift), then exp in float32.
        let logPeriod = Float(-Foundation.log(maxPeriod))
        let divisor = Float(Double(half) - downscaleFrequencyShift)
        let frequencies = (0..<half).map { Foundation.exp(logPeriod * Float($0) / divisor) }
        let result = Tensor(zeros: [timesteps.count, channels])
        let (sinOffset, cosOffset) = flipSinToCos ? (half, 0) : (0, half)
        result.withUnsafeMutableBufferPointer { values in
            for (row, timestep) in timesteps.enumerated() {
                let base = row * channels
                for (index, frequency) in frequencies.enumerated() {
                    let argument = scale * (timestep * frequency)
                    // sin/cos of the float32 argument, rounded once to float32.
                    values[base + sinOffset + index] = Float(Foundation.sin(Double(argument)))
                    values[base + cosOffset + index] = Float(Foundation.cos(Double(argument)))
                }
            }
        }
        return result
    }
}

extension TimestepEmbedding {
    /// The forward pass (linear_1, SiLU, linear_2), saving what backward needs.
    public func forward(_ projection: Tensor, tape: ActivationTape? = nil) -> Tensor {
        let hidden = linear1.forward(projection, tape: tape)
        tape?.save(hidden)
        return linear2.forward(hidden.silu(), tape: tape)
    }

    /// Accumulates the linear layers' weight gradients from dL/d(embedding) [B, embedding]. The timesteps are not
    /// differentiated, so dL/d(projection) is only computed when asked for.
    @discardableResult
    public func backward(_ outputGradient: Tensor, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = false) -> Tensor? {
        let trainsFirst = gradients.trains(linear1.weight) || linear1.bias.map(gradients.trains) == true
        guard let hiddenGradient = linear2.backward(outputGradient, tape: tape, gradients: gradients,
                                                    computeInputGradient: trainsFirst || computeInputGradient) else {
            _ = tape.restore(Tensor.self)
            _ = tape.restore(Tensor.self)
            return nil
        }
        let hidden: Tensor = tape.restore()
        return linear1.backward(hiddenGradient.siluBackward(input: hidden), tape: tape, gradients: gradients,
                                computeInputGradient: computeInputGradient)
    }
}
