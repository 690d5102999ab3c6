extension ImageRGB8 {
    /// This image resized to `width` x `height` exactly as PIL's `Image.resize((width, height), resample=...)`
    /// resizes an "RGB" image (Pillow 13): two passes of separable convolution, the kernel widened by the scale
    /// factor when downscaling (antialiasing), 22-bit fixed-point weights, each pass rounded and clamped to
    /// 8 bits. The horizontal pass runs first, except when the height shrinks and the width does not (Pillow 13
    /// runs the vertical pass first there; older Pillow always went horizontal first, which can differ by one
    /// level in that case). A dimension that does not change is not resampled; an unchanged size returns the
    /// image itself.
    public func resized(width: Int, height: Int, filter: ImageResamplingFilter) throws(ImageError) -> ImageRGB8 {
        guard width > 0, height > 0 else {
            throw .invalidArgument(argument: "resize size", detail: "expected a positive width and height, found "
                + "\(width) x \(height)")
        }
        guard self.width > 0, self.height > 0 else {
            throw .invalidArgument(argument: "image to resize", detail: "the image is empty (\(self.width) x "
                + "\(self.height))")
        }
        try ImageRGB8.checkSize(width: width, height: height, source: "the resized image")
        if width == self.width && height == self.height { return self }

        let vertical = ImageResamplingCoefficients(inputSize: self.height, outputSize: height, filter: filter)
        if width == self.width { return resampledVertically(coefficients: vertical, rowOffset: 0) }
        let horizontal = ImageResamplingCoefficients(inputSize: self.width, outputSize: width, filter: filter)
        if height == self.height { return resampledHorizontally(rows: 0..<self.height, coefficients: horizontal) }

        if width >= self.width && height < self.height {
            return resampledVertically(coefficients: vertical, rowOffset: 0)
                .resampledHorizontally(rows: 0..<height, coefficients: horizontal)
        }
        // Only the rows the vertical pass reads need the horizontal pass.
        let firstRow = vertical.firstInput[0]
        let lastRow = vertical.firstInput[height - 1] + vertical.tapCount[height - 1]
        return resampledHorizontally(rows: firstRow..<lastRow, coefficients: horizontal)
            .resampledVertically(coefficients: vertical, rowOffset: firstRow)
    }

    /// Resized so the shorter side becomes `size`, keeping the aspect ratio, as torchvision's `Resize(size)` does
    /// on a PIL image: the longer side becomes `Int(size * longer / shorter)` (truncated).
    public func resizedShorterSide(to size: Int, filter: ImageResamplingFilter) throws(ImageError) -> ImageRGB8 {
        guard size > 0 else {
            throw .invalidArgument(argument: "resize size", detail: "expected a positive size, found \(size)")
        }
        guard width > 0, height > 0 else {
            throw .invalidArgument(argument: "image to resize", detail: "the image is empty (\(width) x \(height))")
        }
        let (shorter, longer) = width <= height ? (width, height) : (height, width)
        let (product, overflow) = size.multipliedReportingOverflow(by: longer)
        guard !overflow else {
            throw .invalidArgument(argument: "resize size", detail: "\(size) makes the longer side overflow")
        }
        // Python's int / int is correctly rounded, and so is this division of two exactly representable doubles.
        let newLonger = Int(Double(product) / Double(shorter))
        return width <= height
            ? try resized(width: size, height: newLonger, filter: filter)
            : try resized(width: newLonger, height: size, filter: filter)
    }

    /// Resamples each row in `rows` to the coefficients' output width.
    private func resampledHorizontally(rows: Range<Int>, coefficients: ImageResamplingCoefficients) -> ImageRGB8 {
        let outputWidth = coefficients.firstInput.count
        let kernelSize = coefficients.kernelSize
        let inputRowBytes = rowByteCount
        let outputRowBytes = outputWidth * 3
        let output = [UInt8](unsafeUninitializedCapacity: outputRowBytes * rows.count) { out, initialized in
            pixels.withUnsafeBufferPointer { input in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    coefficients.firstInput.withUnsafeBufferPointer { firstInput in
                        coefficients.tapCount.withUnsafeBufferPointer { tapCount in
                            for (outRow, row) in rows.enumerated() {
                                let inputRow = input.baseAddress! + row * inputRowBytes
                                let outputRow = out.baseAddress! + outRow * outputRowBytes
                                for x in 0..<outputWidth {
                                    let taps = weights.baseAddress! + x * kernelSize
                                    var source = inputRow + firstInput[x] * 3
                                    var red = ImageResamplingCoefficients.roundingOffset
                                    var green = red
                                    var blue = red
                                    for tap in 0..<tapCount[x] {
                                        let weight = taps[tap]
                                        red &+= Int32(source[0]) &* weight
                                        green &+= Int32(source[1]) &* weight
                                        blue &+= Int32(source[2]) &* weight
                                        source += 3
                                    }
                                    outputRow[x * 3] = ImageResamplingCoefficients.clip8(red)
                                    outputRow[x * 3 + 1] = ImageResamplingCoefficients.clip8(green)
                                    outputRow[x * 3 + 2] = ImageResamplingCoefficients.clip8(blue)
                                }
                            }
                        }
                    }
                }
            }
            initialized = outputRowBytes * rows.count
        }
        return ImageRGB8(width: outputWidth, height: rows.count, pixels: output)
    }

    /// Resamples the columns to the coefficients' output height; input row `r` of the coefficients is row
    /// `r - rowOffset` of this image.
    private func resampledVertically(coefficients: ImageResamplingCoefficients, rowOffset: Int) -> ImageRGB8 {
        let outputHeight = coefficients.firstInput.count
        let kernelSize = coefficients.kernelSize
        let rowBytes = rowByteCount
        // One accumulator per byte of the output row, filled tap by tap: row-wise passes the compiler vectorises.
        var sums = [Int32](repeating: 0, count: rowBytes)
        let output = [UInt8](unsafeUninitializedCapacity: rowBytes * outputHeight) { out, initialized in
            pixels.withUnsafeBufferPointer { input in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for y in 0..<outputHeight {
                            let taps = weights.baseAddress! + y * kernelSize
                            let firstRow = input.baseAddress! + (coefficients.firstInput[y] - rowOffset) * rowBytes
                            sums.update(repeating: ImageResamplingCoefficients.roundingOffset)
                            for tap in 0..<coefficients.tapCount[y] {
                                let weight = taps[tap]
                                let sourceRow = firstRow + tap * rowBytes
                                for byte in 0..<rowBytes {
                                    sums[byte] &+= Int32(sourceRow[byte]) &* weight
                                }
                            }
                            let outputRow = out.baseAddress! + y * rowBytes
                            for byte in 0..<rowBytes {
                                outputRow[byte] = ImageResamplingCoefficients.clip8(sums[byte])
                            }
                        }
                    }
                }
            }
            initialized = rowBytes * outputHeight
        }
        return ImageRGB8(width: width, height: outputHeight, pixels: output)
    }
}
