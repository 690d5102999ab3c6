import LetheIO
import LetheTensor

/// Light corruption of the training renders, so the judge reads the images a small Stable Diffusion decodes as it
/// reads clean renders. The judge measures erasure on such decodes; trained on clean renders alone it would learn
/// cues a VAE does not keep (exact one-pixel outlines, flat fills) and could call a decode's blur a different
/// artist. Each corruption imitates what a VAE decode does, and each is kept small enough that it never changes
/// what the picture shows:
///
/// - softening: half the images are shrunk to 50–88 % of their side and enlarged back (PIL's antialiased bilinear):
///   a decoder rebuilds detail from latents 4–8× smaller and loses the finest edges, but not the shapes, which span
///   at least 19 px at 64×64;
/// - colour jitter: a shift of the whole image (±0.05 of the [−1, 1] range) and of each channel (±0.03), and a
///   contrast change (×0.9–1.1): decodes drift slightly in tone, while the named colours lie at least 75 levels
///   (0.59 of the range) apart, far beyond these shifts;
/// - noise: Gaussian pixel noise of a standard deviation drawn from 0–0.06: decodes carry faint high-frequency
///   noise, weaker than the grain of the grainiest artist.
///
/// Every draw comes from the sample's own stream, so a sample is augmented the same way on whichever rank draws it.
public struct JudgeAugmentation: Sendable, Equatable, Codable {
    /// Fraction of images softened, and the smallest and largest fraction of the side they are shrunk to.
    public var softenRate: Double
    public var softenScale: ClosedRange<Double>
    /// Largest shift of the whole image and of each channel, and largest change of contrast (fractions).
    public var brightness: Double
    public var channelShift: Double
    public var contrast: Double
    /// Largest standard deviation of the pixel noise, in the [−1, 1] range.
    public var noise: Double

    enum CodingKeys: String, CodingKey {
        case brightness, contrast, noise
        case softenRate = "soften_rate"
        case softenScale = "soften_scale"
        case channelShift = "channel_shift"
    }

    public static let standard = JudgeAugmentation(softenRate: 0.5, softenScale: 0.5...0.875, brightness: 0.05,
                                                   channelShift: 0.03, contrast: 0.1, noise: 0.06)

    public init(softenRate: Double, softenScale: ClosedRange<Double>, brightness: Double, channelShift: Double,
                contrast: Double, noise: Double) {
        self.softenRate = softenRate
        self.softenScale = softenScale
        self.brightness = brightness
        self.channelShift = channelShift
        self.contrast = contrast
        self.noise = noise
    }

    /// `image` corrupted with draws from `stream`, as the judge takes it ([3, S, S] in [−1, 1]).
    public func apply(to image: ImageRGB8, stream: RandomStream) throws -> Tensor {
        var draws = SlotDraws(stream: stream)
        var picture = image
        if draws.uniform() < softenRate {
            let side = max(1, Int((Double(image.width) * draws.uniform(softenScale.lowerBound, softenScale.upperBound)).rounded()))
            picture = try image.resized(width: side, height: side, filter: .bilinear)
                .resized(width: image.width, height: image.height, filter: .bilinear)
        }
        let pixels = picture.tensor(normalization: WorldJudge.pixelNormalization)
        let gain = Float(draws.uniform(1 - contrast, 1 + contrast))
        let shift = draws.uniform(-brightness, brightness)
        let shifts = (0..<3).map { _ in Float(shift + draws.uniform(-channelShift, channelShift)) }
        let deviation = Float(draws.uniform(0, noise))
        let plane = image.width * image.height
        // The noise takes the stream's slots after the few scalar draws above.
        let noiseStart: UInt64 = 64
        for channel in 0..<3 {
            for index in 0..<plane {
                let position = channel * plane + index
                let value = pixels.pointer[position] * gain + shifts[channel]
                    + deviation * stream.normalFloat(at: noiseStart + UInt64(position))
                pixels.pointer[position] = min(max(value, -1), 1)
            }
        }
        return pixels
    }
}
