// With x̂ = (x − μ)·r (r = 1/√(var + eps)) and g = dy·γ, the input gradient of a normalisation over M values is
// dx = r·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ dy·x̂ and dβ = Σ dy over everything a channel (column) normalises.
// Each group (row) is read once for its statistics and those sums, in float64, and once more to write dx.

extension Tensor {
    /// Backward of `input.groupNorm(groups:weight:bias:epsilon:)`; self is dL/dy. Statistics are recomputed from
    /// `input`. Accumulates dγ, dβ [C]; returns dL/dx.
    public func groupNormBackward(input: Tensor, groups: Int, weight: Tensor?, epsilon: Float,
                                  weightGradient: Tensor?, biasGradient: Tensor?) -> Tensor {
        precondition(input.rank >= 2, "groupNormBackward needs [N, C, ...], got \(input.shape)")
        precondition(shape == input.shape, "groupNormBackward: output gradient \(shape) does not match input \(input.shape)")
        let (batch, channels) = (input.shape[0], input.shape[1])
        precondition(groups > 0 && channels % groups == 0,
                     "groupNormBackward: \(channels) channels do not split into \(groups) groups")
        Tensor.checkAffine(weight, weightGradient, biasGradient, width: channels, kernel: "groupNormBackward")
        let spatial = input.count / Swift.max(batch * channels, 1)
        let channelsPerGroup = channels / groups
        let groupCount = Double(channelsPerGroup * spatial)
        let values = input.contiguous(), outputGradient = contiguous()
        let gamma = weight?.contiguous() ?? Tensor(shape: [channels], repeating: 1)
        let result = Tensor(zeros: shape)
        let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer, gammaValues = gamma.pointer
        withZeroedDoubles(count: 4 * channels) { scratch in
            let scratchBase = scratch.baseAddress!
            // Per channel across the batch: Σ dy·x̂ and Σ dy; per channel of the current group: Σ dy and Σ dy·x.
            let gammaSums = scratchBase, betaSums = scratchBase + channels
            let channelGradientSums = scratchBase + 2 * channels, channelProductSums = scratchBase + 3 * channels
            for sample in 0..<batch {
                for group in 0..<groups {
                    let firstChannel = group * channelsPerGroup
                    let start = (sample * channels + firstChannel) * spatial
                    var sum = 0.0, sumOfSquares = 0.0
                    for localChannel in 0..<channelsPerGroup {
                        let source = x + start + localChannel * spatial, gradient = dy + start + localChannel * spatial
                        var gradientSum = 0.0, productSum = 0.0
                        for position in 0..<spatial {
                            let value = Double(source[position]), g = Double(gradient[position])
                            sum += value
                            sumOfSquares += value * value
                            gradientSum += g
                            productSum += g * value
                        }
                        channelGradientSums[localChannel] = gradientSum
                        channelProductSums[localChannel] = productSum
                    }
                    let mean = sum / groupCount
                    let inverseStd = 1 / (Swift.max(sumOfSquares / groupCount - mean * mean, 0) + Double(epsilon)).squareRoot()
                    var scaledGradientSum = 0.0, scaledProductSum = 0.0
                    for localChannel in 0..<channelsPerGroup {
                        let channel = firstChannel + localChannel
                        let gradientSum = channelGradientSums[localChannel]
                        let normalizedProductSum = inverseStd * (channelProductSums[localChannel] - mean * gradientSum)
                        gammaSums[channel] += normalizedProductSum
                        betaSums[channel] += gradientSum
                        let scale = Double(gammaValues[channel])
                        scaledGradientSum += scale * gradientSum
                        scaledProductSum += scale * normalizedProductSum
                    }
                    // dx = r·γ·dy − r²·mean(g·x̂)·(x − μ) − r·mean(g).
                    let slope = Float(-inverseStd * inverseStd * scaledProductSum / groupCount)
                    let shift = Float(-inverseStd * scaledGradientSum / groupCount)
                    let floatMean = Float(mean)
                    for localChannel in 0..<channelsPerGroup {
                        let scale = Float(inverseStd) * gammaValues[firstChannel + localChannel]
                        let offset = start + localChannel * spatial
                        let source = x + offset, gradient = dy + offset, destination = dx + offset
                        for position in 0..<spatial {
                            destination[position] = scale * gradient[position] + slope * (source[position] - floatMean) + shift
                        }
                    }
                }
            }
            weightGradient?.accumulate(UnsafeMutableBufferPointer(start: gammaSums, count: channels))
            biasGradient?.accumulate(UnsafeMutableBufferPointer(start: betaSums, count: channels))
        }
        return result
    }

    /// Backward of `input.layerNorm(weight:bias:epsilon:)` over the last axis; self is dL/dy.
    public func layerNormBackward(input: Tensor, weight: Tensor?, epsilon: Float,
                                  weightGradient: Tensor?, biasGradient: Tensor?) -> Tensor {
        precondition(shape == input.shape, "layerNormBackward: output gradient \(shape) does not match input \(input.shape)")
        let width = input.shape.last ?? 1
        Tensor.checkAffine(weight, weightGradient, biasGradient, width: width, kernel: "layerNormBackward")
        let rows = width == 0 ? 0 : input.count / width
        let values = input.contiguous(), outputGradient = contiguous()
        let gamma = weight?.contiguous() ?? Tensor(shape: [width], repeating: 1)
        let result = Tensor(zeros: shape)
        let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer, gammaValues = gamma.pointer
        let wantsAffine = weightGradient != nil || biasGradient != nil
        let count = Double(width)
        withZeroedDoubles(count: 2 * width) { scratch in
            let gammaSums = scratch.baseAddress!, betaSums = gammaSums + width
            for row in 0..<rows {
                let source = x + row * width, gradient = dy + row * width, destination = dx + row * width
                var sum = 0.0, sumOfSquares = 0.0, scaledGradientSum = 0.0, scaledProductSum = 0.0
                for column in 0..<width {
                    let value = Double(source[column]), g = Double(gradient[column]) * Double(gammaValues[column])
                    sum += value
                    sumOfSquares += value * value
                    scaledGradientSum += g
                    scaledProductSum += g * value
                }
                let mean = sum / count
                let inverseStd = 1 / (Swift.max(sumOfSquares / count - mean * mean, 0) + Double(epsilon)).squareRoot()
                let meanGradient = Float(scaledGradientSum / count)
                let meanProduct = Float(inverseStd * (scaledProductSum - mean * scaledGradientSum) / count)
                let floatMean = Float(mean), floatInverseStd = Float(inverseStd)
                for column in 0..<width {
                    let normalized = (source[column] - floatMean) * floatInverseStd
                    destination[column] = floatInverseStd
                        * (gradient[column] * gammaValues[column] - meanGradient - normalized * meanProduct)
                }
                guard wantsAffine else { continue }
                for column in 0..<width {
                    let g = Double(gradient[column])
                    gammaSums[column] += g * Double((source[column] - floatMean) * floatInverseStd)
                    betaSums[column] += g
                }
            }
            weightGradient?.accumulate(UnsafeMutableBufferPointer(start: gammaSums, count: width))
            biasGradient?.accumulate(UnsafeMutableBufferPointer(start: betaSums, count: width))
        }
        return result
    }

    /// Checks that the affine weight and the γ, β gradient targets all have one entry per normalised channel.
    private static func checkAffine(_ weight: Tensor?, _ weightGradient: Tensor?, _ biasGradient: Tensor?, width: Int,
                                    kernel: String) {
        for (name, tensor) in [("weight", weight), ("weight gradient", weightGradient), ("bias gradient", biasGradient)] {
            if let tensor {
                precondition(tensor.count == width, "\(kernel): \(name) \(tensor.shape) does not have \(width) entries")
            }
        }
    }
}
