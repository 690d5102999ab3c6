/// Resampling filters for `ImageRGB8.resized`, with PIL's kernels and support radii.
public enum ImageResamplingFilter: String, Sendable, CaseIterable {
    /// Triangle kernel of radius 1: PIL's `Image.BILINEAR` (also what torchvision's `Resize` with
    /// `InterpolationMode.BILINEAR` runs on PIL images).
    case bilinear
    /// Keys cubic convolution with a = -0.5 and radius 2: PIL's `Image.BICUBIC`.
    case bicubic

    /// The kernel's radius in input pixels when not downscaling.
    var support: Double {
        switch self {
        case .bilinear: 1
        case .bicubic: 2
        }
    }

    /// The kernel's weight at distance `x`, evaluated in the same order of operations as PIL.
    func weight(_ x: Double) -> Double {
        let distance = x < 0 ? -x : x
        switch self {
        case .bilinear:
            return distance < 1 ? 1 - distance : 0
        case .bicubic:
            let a = -0.5
            if distance < 1 { return ((a + 2) * distance - (a + 3)) * distance * distance + 1 }
            if distance < 2 { return (((distance - 5) * distance + 8) * distance - 4) * a }
            return 0
        }
    }
}
