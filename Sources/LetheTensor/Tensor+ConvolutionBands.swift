// The banded im2col shared by conv2d and its backward pass: output rows are processed a band at a time so the patch
// matrix [Cin·kH·kW, band positions] stays near a fixed size whatever the image size.

extension Tensor {
    /// Whether a convolution reads each input pixel once, in place (1×1, stride 1, no padding): its patch matrix is
    /// the image itself, so it needs no unfold.
    static func isPointwise(kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry) -> Bool {
        kernelHeight == 1 && kernelWidth == 1 && geometry == Conv2DGeometry()
    }

    /// Output rows per band: as many as keep the patch matrix within `tileElements` floats (at least one), or the
    /// whole image for a pointwise convolution.
    static func convolutionBandRows(patchRows: Int, outHeight: Int, outWidth: Int, tileElements: Int,
                                    isPointwise: Bool) -> Int {
        if isPointwise { return outHeight }
        return Swift.max(1, Swift.min(outHeight, tileElements / Swift.max(patchRows * outWidth, 1)))
    }

    /// How many whole images one product of an im2col convolution covers: sgemm packs the kernel [Cout, Cin·kH·kW]
    /// anew on every call, which at small images (SD 1.5's 1280-channel layers at 8×8 and 4×4, its 1920-channel
    /// up-block inputs) costs as much as the product, and with one product per image a guided step's batch of 2
    /// packed every kernel twice. Images share a product where the kernel outweighs what sharing adds per image: a
    /// copy of its output out of the shared product, and for a pointwise convolution (whose patches are otherwise
    /// the image itself) a copy of its input. The shared patch matrix stays within `patchElements` floats.
    static func convolutionImagesPerProduct(batch: Int, patchRows: Int, inChannels: Int, outChannels: Int, positions: Int,
                                            isPointwise: Bool, patchElements: Int) -> Int {
        guard batch > 1 else { return 1 }
        let copiedPerImage = (outChannels + (isPointwise ? inChannels : 0)) * positions
        guard outChannels * patchRows > copiedPerImage else { return 1 }
        return Swift.max(1, Swift.min(batch, patchElements / Swift.max(patchRows * positions, 1)))
    }

    /// The patch matrices of `count` whole [C, H, W] images (consecutive from `first`) side by side:
    /// [C·kH·kW, count·Ho·Wo], as a product shared by the images takes them. A pointwise convolution's are the
    /// images' channels themselves, copied side by side.
    static func unfoldImages(_ first: UnsafeMutablePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
                             kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry, outHeight: Int, outWidth: Int,
                             isPointwise: Bool, into patches: UnsafeMutablePointer<Float>) {
        let positions = outHeight * outWidth
        for image in 0..<count {
            let source = first + image * channels * height * width
            if isPointwise {
                copyImage(source, channels: channels, positions: positions, intoColumnsOf: patches,
                          columns: count * positions, at: image)
            } else {
                unfoldBand(source, channels: channels, height: height, width: width, kernelHeight: kernelHeight,
                           kernelWidth: kernelWidth, geometry: geometry, outWidth: outWidth, rows: 0..<outHeight,
                           into: patches + image * positions, rowStride: count * positions)
            }
        }
    }

    /// One [C, HW] image as columns index·HW ..< (index + 1)·HW of a [C, columns] matrix (images side by side).
    static func copyImage(_ image: UnsafeMutablePointer<Float>, channels: Int, positions: Int,
                          intoColumnsOf matrix: UnsafeMutablePointer<Float>, columns: Int, at index: Int) {
        for channel in 0..<channels {
            (matrix + channel * columns + index * positions).update(from: image + channel * positions, count: positions)
        }
    }

    /// The other way: columns index·HW ..< (index + 1)·HW of a [C, columns] matrix as one [C, HW] image.
    static func copyImage(fromColumnsOf matrix: UnsafeMutablePointer<Float>, columns: Int, at index: Int, channels: Int,
                          positions: Int, into image: UnsafeMutablePointer<Float>) {
        for channel in 0..<channels {
            (image + channel * positions).update(from: matrix + channel * columns + index * positions, count: positions)
        }
    }

    /// The patch columns of output rows `rows` of one [C, H, W] image: [C·kH·kW, rows.count·outWidth], zeros where
    /// the kernel overlaps padding. Each patch row starts `rowStride` floats after the one before (default: the
    /// band's width), so that the bands of several images can sit side by side in one wider matrix. Channels are
    /// split over the processor's cores when the band is large.
    static func unfoldBand(_ image: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int,
                           kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry, outWidth: Int,
                           rows: Range<Int>, into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let (source, destination) = (SharedFloatPointer(image), SharedFloatPointer(columns))
        let rowStride = rowStride ?? rows.count * outWidth
        let patchRowsPerChannel = kernelHeight * kernelWidth
        let rowsPerChannel = patchRowsPerChannel * rows.count * outWidth
        Tensor.forEachRange(count: channels, workers: bandWorkers(channels: channels, rowsPerChannel: rowsPerChannel)) { _, range in
            unfoldChannels(source.base + range.lowerBound * height * width, channels: range.count, height: height,
                           width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry,
                           outWidth: outWidth, rows: rows,
                           into: destination.base + range.lowerBound * patchRowsPerChannel * rowStride, rowStride: rowStride)
        }
    }

    /// The adjoint of `unfoldBand` (col2im): adds each patch column of output rows `rows` back onto the input pixel
    /// it was read from, in one [C, H, W] image. Overlapping patches add up; entries over padding are dropped.
    /// Channels are split over the processor's cores when the band is large; `rowStride` as in `unfoldBand`.
    static func foldBand(_ columns: UnsafeMutablePointer<Float>, into image: UnsafeMutablePointer<Float>,
                         channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                         geometry: Conv2DGeometry, outWidth: Int, rows: Range<Int>, rowStride: Int? = nil) {
        let (source, destination) = (SharedFloatPointer(columns), SharedFloatPointer(image))
        let rowStride = rowStride ?? rows.count * outWidth
        let patchRowsPerChannel = kernelHeight * kernelWidth
        let rowsPerChannel = patchRowsPerChannel * rows.count * outWidth
        Tensor.forEachRange(count: channels, workers: bandWorkers(channels: channels, rowsPerChannel: rowsPerChannel)) { _, range in
            foldChannels(source.base + range.lowerBound * patchRowsPerChannel * rowStride,
                         into: destination.base + range.lowerBound * height * width, channels: range.count,
                         height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                         geometry: geometry, outWidth: outWidth, rows: rows, rowStride: rowStride)
        }
    }

    /// Workers for a band of `channels` channels of `rowsPerChannel` patch values each: one per 2¹⁷ values.
    private static func bandWorkers(channels: Int, rowsPerChannel: Int) -> Int {
        Swift.min(channels, workerCount(count: channels * rowsPerChannel, grain: 1 << 17))
    }

    private static func unfoldChannels(_ image: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int,
                                       kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry, outWidth: Int,
                                       rows: Range<Int>, into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (strideY, strideX) = geometry.stride, (padY, padX) = geometry.padding
        for channel in 0..<channels {
            let plane = image + channel * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = columns + ((channel * kernelHeight + ky) * kernelWidth + kx) * rowStride
                    let (firstX, endX) = insideColumns(kx: kx, width: width, outWidth: outWidth, geometry: geometry)
                    for (bandRow, oy) in rows.enumerated() {
                        let destination = row + bandRow * outWidth
                        let y = oy * strideY - padY + ky
                        guard y >= 0 && y < height, firstX < endX else {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let line = plane + y * width - padX + kx
                        if firstX > 0 { destination.update(repeating: 0, count: firstX) }
                        if strideX == 1 {
                            (destination + firstX).update(from: line + firstX, count: endX - firstX)
                        } else {
                            for ox in firstX..<endX { destination[ox] = line[ox * strideX] }
                        }
                        if endX < outWidth { (destination + endX).update(repeating: 0, count: outWidth - endX) }
                    }
                }
            }
        }
    }

    private static func foldChannels(_ columns: UnsafeMutablePointer<Float>, into image: UnsafeMutablePointer<Float>,
                                     channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                                     geometry: Conv2DGeometry, outWidth: Int, rows: Range<Int>, rowStride: Int) {
        let (strideY, strideX) = geometry.stride, (padY, padX) = geometry.padding
        for channel in 0..<channels {
            let plane = image + channel * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = columns + ((channel * kernelHeight + ky) * kernelWidth + kx) * rowStride
                    let (firstX, endX) = insideColumns(kx: kx, width: width, outWidth: outWidth, geometry: geometry)
                    guard firstX < endX else { continue }
                    for (bandRow, oy) in rows.enumerated() {
                        let y = oy * strideY - padY + ky
                        guard y >= 0 && y < height else { continue }
                        let source = row + bandRow * outWidth
                        let line = plane + y * width - padX + kx
                        if strideX == 1 {
                            for ox in firstX..<endX { line[ox] += source[ox] }
                        } else {
                            for ox in firstX..<endX { line[ox * strideX] += source[ox] }
                        }
                    }
                }
            }
        }
    }

    /// The output columns firstX..<endX whose input x = ox·stride − pad + kx lies inside the image.
    @inline(__always)
    private static func insideColumns(kx: Int, width: Int, outWidth: Int, geometry: Conv2DGeometry) -> (Int, Int) {
        let (strideX, padX) = (geometry.stride.1, geometry.padding.1)
        let firstX = Swift.max(0, (padX - kx + strideX - 1) / strideX)
        let lastInside = width - 1 + padX - kx
        let endX = lastInside < 0 ? 0 : Swift.min(outWidth, lastInside / strideX + 1)
        return (firstX, endX)
    }
}
