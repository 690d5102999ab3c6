import LetheTensor

/// Turns VAE decoder output (`[N, 3, H, W]` floats, nominally in [-1, 1]) into images exactly as diffusers'
/// `VaeImageProcessor.postprocess` does.
///
/// - `output_type="np"`: `(x * 0.5 + 0.5).clamp(0, 1)` in float32, laid out NHWC.
/// - `output_type="pil"`: that, then `(images * 255).round().astype("uint8")` in float32 with NumPy's round
///   half to even. NaN survives the clamp (as in PyTorch) and NumPy's uint8 cast of NaN is undefined; we
///   define it as 0, which is what NumPy gives on x86-64 and ARM64.
public enum ImagePostprocessor {
    /// One value mapped to [0, 1]: `x * 0.5 + 0.5` rounded to float32, clamped; NaN stays NaN.
    @inline(__always)
    public static func denormalize(_ value: Float) -> Float {
        let shifted = value * 0.5 + 0.5
        if shifted < 0 { return 0 }
        if shifted > 1 { return 1 }
        return shifted
    }

    /// One denormalised value as an 8-bit level: `round_half_even(value * 255)`; NaN becomes 0.
    @inline(__always)
    public static func level(ofDenormalized value: Float) -> UInt8 {
        let scaled = (value * 255).rounded(.toNearestOrEven)
        guard scaled == scaled else { return 0 }
        return UInt8(Swift.max(0, Swift.min(255, scaled)))
    }

    /// The `np` output: a new `[N, H, W, 3]` float32 tensor in [0, 1].
    public static func denormalizedNHWC(_ decoded: Tensor) throws(ImageError) -> Tensor {
        let (count, height, width) = try batchShape(of: decoded)
        let source = decoded.contiguous()
        let result = Tensor(zeros: [count, height, width, 3])
        let plane = height * width
        let input = source.pointer
        let output = result.pointer
        for image in 0..<count {
            let imageInput = input + image * 3 * plane
            let imageOutput = output + image * 3 * plane
            for index in 0..<plane {
                imageOutput[index * 3] = denormalize(imageInput[index])
                imageOutput[index * 3 + 1] = denormalize(imageInput[plane + index])
                imageOutput[index * 3 + 2] = denormalize(imageInput[2 * plane + index])
            }
        }
        return result
    }

    /// The `pil` output: one 8-bit RGB image per batch entry.
    public static func images(fromDecoded decoded: Tensor) throws(ImageError) -> [ImageRGB8] {
        let (count, height, width) = try batchShape(of: decoded)
        let source = decoded.contiguous()
        let plane = height * width
        let input = source.pointer
        return (0..<count).map { image in
            let imageInput = input + image * 3 * plane
            let pixels = [UInt8](unsafeUninitializedCapacity: plane * 3) { buffer, initialized in
                for index in 0..<plane {
                    buffer[index * 3] = level(ofDenormalized: denormalize(imageInput[index]))
                    buffer[index * 3 + 1] = level(ofDenormalized: denormalize(imageInput[plane + index]))
                    buffer[index * 3 + 2] = level(ofDenormalized: denormalize(imageInput[2 * plane + index]))
                }
                initialized = plane * 3
            }
            return ImageRGB8(width: width, height: height, pixels: pixels)
        }
    }

    private static func batchShape(of decoded: Tensor) throws(ImageError) -> (count: Int, height: Int, width: Int) {
        guard decoded.rank == 4, decoded.shape[1] == 3 else {
            throw .invalidTensor(expected: "[N, 3, H, W] (decoded RGB images)", found: decoded.shape)
        }
        return (decoded.shape[0], decoded.shape[2], decoded.shape[3])
    }
}
