/// OpenCV's 8-bit colour conversions between RGB and YUV (`cv2.cvtColor` with `COLOR_BGR2YUV` and
/// `COLOR_YUV2BGR` on `uint8` images), which the invisible-watermark package runs before and after marking.
/// OpenCV does them in 14-bit fixed point (BT.601 weights times 2^14, rounded), adds half and shifts right
/// (rounding half up, an arithmetic shift for negatives), then saturates to 0...255; the same integer steps here
/// give its bytes exactly (checked against cv2 on all 2^24 colours each way when the fixtures were made).
enum OpenCVYUV {
    private static let shift = 14

    // RGB to Y: 0.299, 0.587, 0.114. U = 0.492 (B − Y) + 128, V = 0.877 (R − Y) + 128.
    private static let redToY = 4899, greenToY = 9617, blueToY = 1868
    private static let blueDifferenceToU = 8061, redDifferenceToV = 14369
    // Back: B = Y + 2.032 (U − 128), G = Y − 0.395 (U − 128) − 0.581 (V − 128), R = Y + 1.140 (V − 128).
    private static let uToBlue = 33292, uToGreen = -6472, vToGreen = -9519, vToRed = 18678

    /// OpenCV's CV_DESCALE: divide by 2^14, rounding half up.
    @inline(__always)
    private static func descale(_ value: Int) -> Int { (value &+ (1 << (shift - 1))) >> shift }

    @inline(__always)
    private static func saturate(_ value: Int) -> UInt8 { UInt8(clamping: value) }

    /// The Y, U and V planes of `image` (each `width * height` bytes, row-major).
    static func planes(of image: ImageRGB8) -> (y: [UInt8], u: [UInt8], v: [UInt8]) {
        let count = image.width * image.height
        var y = [UInt8](repeating: 0, count: count), u = y, v = y
        image.pixels.withUnsafeBufferPointer { rgb in
            for index in 0..<count {
                let red = Int(rgb[index * 3]), green = Int(rgb[index * 3 + 1]), blue = Int(rgb[index * 3 + 2])
                let luma = descale(blue * blueToY + green * greenToY + red * redToY)
                y[index] = saturate(luma)
                u[index] = saturate(descale((blue - luma) * blueDifferenceToU + (128 << shift)))
                v[index] = saturate(descale((red - luma) * redDifferenceToV + (128 << shift)))
            }
        }
        return (y, u, v)
    }

    /// The RGB image of Y, U and V planes of `width * height` bytes each.
    static func image(y: [UInt8], u: [UInt8], v: [UInt8], width: Int, height: Int) -> ImageRGB8 {
        let count = width * height
        precondition(y.count == count && u.count == count && v.count == count, "YUV planes do not match \(width) x \(height)")
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { rgb, initialized in
            for index in 0..<count {
                let luma = Int(y[index]), blueDifference = Int(u[index]) - 128, redDifference = Int(v[index]) - 128
                rgb[index * 3] = saturate(luma + descale(redDifference * vToRed))
                rgb[index * 3 + 1] = saturate(luma + descale(blueDifference * uToGreen + redDifference * vToGreen))
                rgb[index * 3 + 2] = saturate(luma + descale(blueDifference * uToBlue))
            }
            initialized = count * 3
        }
        return ImageRGB8(width: width, height: height, pixels: pixels)
    }
}
