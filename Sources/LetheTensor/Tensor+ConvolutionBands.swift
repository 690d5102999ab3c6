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
