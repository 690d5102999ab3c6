import LetheModels
import LetheTensor

/// The side of the square training images: the requested `--resolution`, or the model's native image height
/// (`UNet2DConditionConfiguration.nativeImageSize`: the UNet's sample_size times the VAE's scale factor); either
/// must be a positive multiple of that factor and at most `ResourceBounds.maximumImageSide`.
enum TrainingResolution {
    static func side(requested: Int?, unet: UNet2DConditionConfiguration, vae: AutoencoderKLConfiguration) throws -> Int {
        let factor = vae.scaleFactor
        let maximum = ResourceBounds.maximumImageSide
        guard let requested else {
            let sampleSize = unet.nativeSampleSize.height
            guard let native = unet.nativeImageSize(scaleFactor: factor).height, (1...maximum).contains(native) else {
                throw ErasureError.unsupportedModel(
                    reason: "The UNet config's sample_size (\(sampleSize)) times the VAE's scale factor \(factor) "
                        + "is beyond \(maximum) pixels; pass \(Setting.resolution)")
            }
            return native
        }
        try ResourceBounds.check(Setting.resolution, requested, in: 1...maximum, unit: "pixels")
        guard requested % factor == 0 else {
            throw ErasureError.invalidSetting(
                Setting.resolution, reason: "is \(requested); it must be a positive multiple of \(factor) (the VAE's scale factor)")
        }
        return requested
    }
}
