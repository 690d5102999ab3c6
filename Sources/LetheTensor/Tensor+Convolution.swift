import COpenBLAS

extension Tensor {
    /// torch.nn.functional.conv2d (groups 1, dilation 1) on [N, Cin, H, W] with weight [Cout, Cin, kH, kW]: 3×3
    /// stride-1 convolutions in the Winograd domain where that is faster (`conv2dWinograd`), others by im2col and
    /// sgemm, unfolding the input one band of output rows at a time. The patch matrix stays near `tileElements`
    /// floats (8 MB by default) instead of Cin·kH·kW × H·W per image (2.4 GB for a 256-channel 3×3 convolution at
    /// 512×512), and each band's product is written straight into its columns of the output.
    public func conv2d(weight: Tensor, bias: Tensor?, geometry: Conv2DGeometry = Conv2DGeometry(),
                       tileElements: Int = 1 << 21) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d takes [N, C, H, W] and [Cout, Cin, kH, kW], got \(shape) and \(weight.shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(weight.shape[1] == inChannels, "conv2d: input has \(inChannels) channels, weight expects \(weight.shape[1])")
        let (outHeight, outWidth) = geometry.outputSize(height: height, width: width,
                                                        kernelHeight: kernelHeight, kernelWidth: kernelWidth)
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(weight.shape) larger than padded input \(shape)")
        precondition(bias == nil || bias!.count == outChannels, "conv2d: bias \(bias!.shape) does not match \(outChannels) channels")
        if Tensor.usesWinograd(kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry, batch: batch,
                               inChannels: inChannels, outHeight: outHeight, outWidth: outWidth) {
            // Its buffers hold 16 transformed planes per tile of 4 outputs: 4 floats per output position and channel.
            return conv2dWinograd(weight: weight, bias: bias, padding: geometry.padding, tileElements: 4 * tileElements)
        }
        let input = contiguous()
        let kernel = weight.contiguous()
        let patchRows = inChannels * kernelHeight * kernelWidth
        let positions = outHeight * outWidth
        let result = Tensor(unfilled: [batch, outChannels, outHeight, outWidth])
        let isPointwise = Tensor.isPointwise(kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry)
        let biasValues = bias?.contiguous()
        let imagesPerProduct = Tensor.convolutionImagesPerProduct(
            batch: batch, patchRows: patchRows, inChannels: inChannels, outChannels: outChannels, positions: positions,
            isPointwise: isPointwise, patchElements: 4 * tileElements)
        if imagesPerProduct > 1 {
            input.conv2dImageGroups(kernel: kernel, bias: biasValues, geometry: geometry, imagesPerProduct: imagesPerProduct,
                              isPointwise: isPointwise, into: result)
            return result
        }
        let bandRows = Tensor.convolutionBandRows(patchRows: patchRows, outHeight: outHeight, outWidth: outWidth,
                                                  tileElements: tileElements, isPointwise: isPointwise)
        let patches = isPointwise ? nil : Tensor(unfilled: [patchRows * bandRows * outWidth])
        for sample in 0..<batch {
            let image = input.pointer + sample * inChannels * height * width
            let output = result.pointer + sample * outChannels * positions
            if let biasValues {
                for channel in 0..<outChannels {
                    (output + channel * positions).update(repeating: biasValues.pointer[channel], count: positions)
                }
            }
            for firstRow in stride(from: 0, to: outHeight, by: bandRows) {
                let rows = Swift.min(bandRows, outHeight - firstRow)
                let columns = rows * outWidth
                let source: UnsafeMutablePointer<Float>
                if let patches {
                    Tensor.unfoldBand(image, channels: inChannels, height: height, width: width,
                                      kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry,
                                      outWidth: outWidth, rows: firstRow..<(firstRow + rows), into: patches.pointer)
                    source = patches.pointer
                } else {
                    source = image
                }
                // output[:, band] (leading dimension H·W) = kernel [Cout, K] · patches [K, band].
                FLOPCounter.addMatrixProduct(m: outChannels, n: columns, k: patchRows)
                BLASKernels.prepare()
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(columns), Int32(patchRows),
                            1, kernel.pointer, Int32(patchRows), source, Int32(columns),
                            biasValues == nil ? 0 : 1, output + firstRow * outWidth, Int32(positions))
            }
        }
        return result
    }

    /// conv2d by im2col with `imagesPerProduct` whole images side by side in each product: patches [K, images·HW]
    /// (a pointwise convolution's are the images' channels copied), the product [Cout, images·HW] starting from the
    /// bias (sgemm's beta = 1, as the one-image path), then copied out image by image into `result`.
    private func conv2dImageGroups(kernel: Tensor, bias: Tensor?, geometry: Conv2DGeometry, imagesPerProduct: Int,
                                   isPointwise: Bool, into result: Tensor) {
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, outHeight, outWidth) = (result.shape[1], result.shape[2], result.shape[3])
        let (kernelHeight, kernelWidth) = (kernel.shape[2], kernel.shape[3])
        let patchRows = inChannels * kernelHeight * kernelWidth
        let positions = outHeight * outWidth
        let widest = imagesPerProduct * positions
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: patchRows * widest)
        let product = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * widest)
        defer {
            patches.deallocate()
            product.deallocate()
        }
        for firstImage in stride(from: 0, to: batch, by: imagesPerProduct) {
            let images = Swift.min(imagesPerProduct, batch - firstImage)
            let columns = images * positions
            Tensor.unfoldImages(pointer + firstImage * inChannels * height * width, count: images, channels: inChannels,
                                height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                geometry: geometry, outHeight: outHeight, outWidth: outWidth, isPointwise: isPointwise,
                                into: patches)
            if let bias {
                for channel in 0..<outChannels {
                    (product + channel * columns).update(repeating: bias.pointer[channel], count: columns)
                }
            }
            FLOPCounter.addMatrixProduct(m: outChannels, n: columns, k: patchRows)
            BLASKernels.prepare()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(columns), Int32(patchRows),
                        1, kernel.pointer, Int32(patchRows), patches, Int32(columns),
                        bias == nil ? 0 : 1, product, Int32(columns))
            for image in 0..<images {
                Tensor.copyImage(fromColumnsOf: product, columns: columns, at: image, channels: outChannels,
                                 positions: positions, into: result.pointer + (firstImage + image) * outChannels * positions)
            }
        }
    }
}
