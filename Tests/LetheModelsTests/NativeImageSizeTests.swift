import LetheModels
import Testing

/// The VAE's scale factor and the model's native image size, defined once for generation and training.
@Suite("Native image size")
struct NativeImageSizeTests {
    @Test func scaleFactorIsTwoToTheBlocksLessOne() {
        var vae = AutoencoderKLConfiguration()
        #expect(vae.scaleFactor == 1)
        vae.blockOutChannels = [128, 256, 512, 512]
        #expect(vae.scaleFactor == 8)
    }

    @Test func sampleSizeTimesTheScaleFactor() {
        var unet = UNet2DConditionConfiguration()
        unet.sampleSize = nil
        #expect(unet.nativeSampleSize == (64, 64))
        #expect(unet.nativeImageSize(scaleFactor: 8) == (512, 512))
        unet.sampleSize = .one(96)
        #expect(unet.nativeImageSize(scaleFactor: 8) == (768, 768))
        unet.sampleSize = .many([48, 80])
        #expect(unet.nativeImageSize(scaleFactor: 8) == (384, 640))
        // A list of another length is not a size: the default.
        unet.sampleSize = .many([48])
        #expect(unet.nativeSampleSize == (64, 64))
        // A side beyond Int is nil, not a trap.
        unet.sampleSize = .many([Int.max / 2, 8])
        #expect(unet.nativeImageSize(scaleFactor: 8) == (nil, 64))
    }
}
