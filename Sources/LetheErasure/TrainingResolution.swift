import LetheModels

/// The side of the square training images: the requested `--resolution`, or the model's native image size (the
/// UNet's sample_size times the VAE's down-sampling factor), which must be a positive multiple of that factor.
enum TrainingResolution {
    static func side(requested: Int?, unet: UNet2DConditionConfiguration, vae: AutoencoderKLConfiguration) throws -> Int {
        let factor = 1 << (vae.blockOutChannels.count - 1)
        let native: Int = switch unet.sampleSize {
        case .one(let side): side * factor
        case .many(let sides) where !sides.isEmpty: sides[0] * factor
        default: 64 * factor
        }
        let side = requested ?? native
        guard side > 0, side % factor == 0 else {
            throw ErasureError.invalidArgument(name: "--resolution", reason: "is \(side); it must be a positive multiple of \(factor)")
        }
        return side
    }
}
