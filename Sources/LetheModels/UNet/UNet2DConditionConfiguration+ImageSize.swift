import LetheTensor

extension UNet2DConditionConfiguration {
    /// The latent size (height, width) the model was made for: sample_size (one side, or [height, width]), and
    /// 64 when it is absent or a list of another length.
    public var nativeSampleSize: (height: Int, width: Int) {
        switch sampleSize {
        case .one(let side): (side, side)
        case .many(let sides) where sides.count == 2: (sides[0], sides[1])
        default: (64, 64)
        }
    }

    /// The model's image size (height, width) in pixels: `nativeSampleSize` times the VAE's scale factor
    /// (`AutoencoderKLConfiguration.scaleFactor`), with nil for a side that does not fit an Int.
    public func nativeImageSize(scaleFactor: Int) -> (height: Int?, width: Int?) {
        let sides = nativeSampleSize
        return (ResourceBounds.product([sides.height, scaleFactor]), ResourceBounds.product([sides.width, scaleFactor]))
    }
}
