import Foundation
import LetheTensor

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
