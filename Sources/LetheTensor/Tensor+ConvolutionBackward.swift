extension Tensor {
    /// Backward of `input.conv2d(weight:bias:geometry:)`; self is dL/dy [N, Cout, Ho, Wo]. Accumulates dW [Cout, Cin,
    /// kH, kW] and db [Cout]; returns dL/dx [N, Cin, H, W] (nil when not asked).
    ///
    /// Banded like the forward pass: per band of output rows, the input band is unfolded into the patch matrix P
    /// [Cin·kH·kW, band] and dW += dY_band · Pᵀ (sgemm, beta = 1, straight into the target); the patch gradient
    /// Wᵀ · dY_band is then folded back (col2im) into dX in the same buffer. `tileElements` bounds that buffer as in
    /// the forward pass. 1×1 stride-1 unpadded convolutions use the image and dX as their patch matrices directly;
    /// 3×3 stride-1 ones get dX in the Winograd domain wherever their forward would run there.
    public func conv2dBackward(input: Tensor, weight: Tensor, geometry: Conv2DGeometry, weightGradient: Tensor?,
                               biasGradient: Tensor?, computeInputGradient: Bool = true,
                               tileElements: Int = 1 << 21) -> Tensor? {
        precondition(input.rank == 4 && weight.rank == 4,
                     "conv2dBackward takes [N, C, H, W] and [Cout, Cin, kH, kW], got \(input.shape) and \(weight.shape)")
        let (batch, inChannels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(weight.shape[1] == inChannels,
                     "conv2dBackward: input has \(inChannels) channels, weight expects \(weight.shape[1])")
        let (outHeight, outWidth) = geometry.outputSize(height: height, width: width,
                                                        kernelHeight: kernelHeight, kernelWidth: kernelWidth)
        precondition(shape == [batch, outChannels, outHeight, outWidth],
                     "conv2dBackward: output gradient \(shape) does not match the output [\(batch), \(outChannels), \(outHeight), \(outWidth)]")
        precondition(weightGradient == nil || weightGradient!.shape == weight.shape,
                     "conv2dBackward: weight gradient \(weightGradient!.shape) does not match weight \(weight.shape)")
        precondition(biasGradient == nil || biasGradient!.count == outChannels,
                     "conv2dBackward: bias gradient \(biasGradient!.shape) does not match \(outChannels) channels")
        let outputGradient = contiguous()
        let positions = outHeight * outWidth
        if let biasGradient {
            biasGradient.accumulate(channelSumsOf: outputGradient, batch: batch, channels: outChannels, positions: positions)
        }
        // dX of a 3×3 stride-1 convolution with padding p is itself such a convolution: dY with the kernel turned
        // 180° and its channel axes swapped, padded by 2 − p. Where conv2d would run that convolution in the Winograd
        // domain, so does this (fewer multiplications and no col2im fold); the choice does not depend on which
        // gradients are asked for, so training a subset of the weights gives the same dX as training all of them.
        let winogradInputGradient = computeInputGradient && geometry.padding.0 <= 2 && geometry.padding.1 <= 2
            && Tensor.usesWinograd(kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry, batch: batch,
                                   inChannels: outChannels, outHeight: height, outWidth: width)
        let turnedInputGradient = winogradInputGradient
            ? outputGradient.conv2dWinograd(weight: weight, bias: nil,
                                            padding: (2 - geometry.padding.0, 2 - geometry.padding.1),
                                            tileElements: 4 * tileElements, turned: true)
            : nil
        guard weightGradient != nil || (computeInputGradient && !winogradInputGradient) else { return turnedInputGradient }

        let patchRows = inChannels * kernelHeight * kernelWidth
        let kernel = weight.contiguous().reshaped([outChannels, patchRows])
        let image = weightGradient == nil ? nil : input.contiguous()
        let inputGradient = computeInputGradient && !winogradInputGradient ? Tensor(zeros: input.shape) : nil
        let isPointwise = Tensor.isPointwise(kernelHeight: kernelHeight, kernelWidth: kernelWidth, geometry: geometry)
        let bandRows = Tensor.convolutionBandRows(patchRows: patchRows, outHeight: outHeight, outWidth: outWidth,
                                                  tileElements: tileElements, isPointwise: isPointwise)
        // As in the forward pass, small images share products (one packing of the kernel, and dW updated once).
        let imagesPerProduct = Tensor.convolutionImagesPerProduct(
            batch: batch, patchRows: patchRows, inChannels: inChannels, outChannels: outChannels, positions: positions,
            isPointwise: isPointwise, patchElements: 4 * tileElements)
        // One buffer holds a band's patches (for dW), then its patch gradient (for dX).
        let buffer = isPointwise || imagesPerProduct > 1 ? nil : Tensor(zeros: [patchRows * bandRows * outWidth])
        let imageSize = inChannels * height * width

        func backpropagateBands(weightGradientInto target: UnsafeMutablePointer<Float>?) {
            if imagesPerProduct > 1 {
                outputGradient.backpropagateImageGroups(
                    input: image, kernel: kernel, inputShape: input.shape, kernelSize: (kernelHeight, kernelWidth),
                    geometry: geometry, imagesPerProduct: imagesPerProduct, isPointwise: isPointwise,
                    weightGradientInto: target, inputGradient: inputGradient)
                return
            }
            for sample in 0..<batch {
                let sampleGradient = outputGradient.offset + sample * outChannels * positions
                for firstRow in stride(from: 0, to: outHeight, by: bandRows) {
                    let rows = firstRow..<Swift.min(firstRow + bandRows, outHeight)
                    let columns = rows.count * outWidth
                    // dY_band [Cout, band]: the band's columns of each channel (leading dimension Ho·Wo).
                    let bandGradient = Tensor(storage: outputGradient.storage, shape: [outChannels, columns],
                                              strides: [positions, 1], offset: sampleGradient + firstRow * outWidth)
                    if let target, let image {
                        let patches: Tensor
                        if let buffer {
                            Tensor.unfoldBand(image.pointer + sample * imageSize, channels: inChannels, height: height,
                                              width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                              geometry: geometry, outWidth: outWidth, rows: rows, into: buffer.pointer)
                            patches = Tensor(storage: buffer.storage, shape: [patchRows, columns], offset: buffer.offset)
                        } else {
                            patches = Tensor(storage: image.storage, shape: [patchRows, columns],
                                             offset: image.offset + sample * imageSize)
                        }
                        Tensor.gemm(bandGradient, transposeA: false, patches, transposeB: true, into: target,
                                    m: outChannels, n: patchRows, k: columns, alpha: 1, beta: 1)
                    }
                    if let inputGradient {
                        let destination = inputGradient.pointer + sample * imageSize
                        // The patch gradient Wᵀ · dY_band: written straight into dX when the patches are the image.
                        let patchGradient = buffer?.pointer ?? destination
                        Tensor.gemm(kernel, transposeA: true, bandGradient, transposeB: false, into: patchGradient,
                                    m: patchRows, n: columns, k: outChannels, alpha: 1, beta: 0)
                        if buffer != nil {
                            Tensor.foldBand(patchGradient, into: destination, channels: inChannels, height: height,
                                            width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                            geometry: geometry, outWidth: outWidth, rows: rows)
                        }
                    }
                }
            }
        }
        if let weightGradient {
            weightGradient.accumulating { backpropagateBands(weightGradientInto: $0) }
        } else {
            backpropagateBands(weightGradientInto: nil)
        }
        return inputGradient ?? turnedInputGradient
    }

    /// The backward of `conv2dImageGroups`, self being the contiguous dL/dy [N, Cout, Ho, Wo] and `kernel` the
    /// weight as [Cout, Cin·kH·kW]: per group of `imagesPerProduct` whole images, dY's channels are copied side by
    /// side into [Cout, images·HoWo]; dW += dY · Pᵀ with the images' patches side by side (when `target` is given),
    /// then the patch gradient Wᵀ · dY is folded back (for a pointwise convolution, copied) into each image of
    /// `inputGradient`, which starts at zero.
    private func backpropagateImageGroups(input: Tensor?, kernel: Tensor, inputShape: [Int], kernelSize: (Int, Int),
                                          geometry: Conv2DGeometry, imagesPerProduct: Int, isPointwise: Bool,
                                          weightGradientInto target: UnsafeMutablePointer<Float>?, inputGradient: Tensor?) {
        let (batch, outChannels, outHeight, outWidth) = (shape[0], shape[1], shape[2], shape[3])
        let (inChannels, height, width) = (inputShape[1], inputShape[2], inputShape[3])
        let (kernelHeight, kernelWidth) = kernelSize
        let patchRows = inChannels * kernelHeight * kernelWidth
        let positions = outHeight * outWidth
        let imageSize = inChannels * height * width
        let widest = imagesPerProduct * positions
        // One buffer holds a group's patches (for dW), then its patch gradient (for dX).
        let gradients = Tensor(unfilled: [outChannels, widest]), buffer = Tensor(unfilled: [patchRows, widest])
        for firstImage in stride(from: 0, to: batch, by: imagesPerProduct) {
            let images = Swift.min(imagesPerProduct, batch - firstImage)
            let columns = images * positions
            for image in 0..<images {
                Tensor.copyImage(pointer + (firstImage + image) * outChannels * positions, channels: outChannels,
                                 positions: positions, intoColumnsOf: gradients.pointer, columns: columns, at: image)
            }
            let groupGradient = Tensor(storage: gradients.storage, shape: [outChannels, columns])
            let patches = Tensor(storage: buffer.storage, shape: [patchRows, columns])
            if let target, let input {
                Tensor.unfoldImages(input.pointer + firstImage * imageSize, count: images, channels: inChannels,
                                    height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                    geometry: geometry, outHeight: outHeight, outWidth: outWidth,
                                    isPointwise: isPointwise, into: buffer.pointer)
                Tensor.gemm(groupGradient, transposeA: false, patches, transposeB: true, into: target,
                            m: outChannels, n: patchRows, k: columns, alpha: 1, beta: 1)
            }
            guard let inputGradient else { continue }
            Tensor.gemm(kernel, transposeA: true, groupGradient, transposeB: false, into: buffer.pointer,
                        m: patchRows, n: columns, k: outChannels, alpha: 1, beta: 0)
            for image in 0..<images {
                let destination = inputGradient.pointer + (firstImage + image) * imageSize
                if isPointwise {
                    Tensor.copyImage(fromColumnsOf: buffer.pointer, columns: columns, at: image, channels: inChannels,
                                     positions: positions, into: destination)
                } else {
                    Tensor.foldBand(buffer.pointer + image * positions, into: destination, channels: inChannels,
                                    height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                    geometry: geometry, outWidth: outWidth, rows: 0..<outHeight, rowStride: columns)
                }
            }
        }
    }

    /// Adds the per-channel sums of a dense [N, C, positions] tensor (accumulated in float64) into this target [C].
    func accumulate(channelSumsOf values: Tensor, batch: Int, channels: Int, positions: Int) {
        withZeroedDoubles(count: channels) { sums in
            for sample in 0..<batch {
                for channel in 0..<channels {
                    sums[channel] += Tensor.sum(values.pointer + (sample * channels + channel) * positions, count: positions)
                }
            }
            accumulate(sums)
        }
    }
}
