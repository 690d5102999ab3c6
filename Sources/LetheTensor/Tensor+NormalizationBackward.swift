// With x̂ = (x − μ)·r (r = 1/√(var + eps)) and g = dy·γ, the input gradient of a normalisation over n values is
// dx = r·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ dy·x̂ and dβ = Σ dy over everything a channel (column) normalises.
// Each group (row) is read once for its statistics and those sums, and once more to write dx. The sums are taken
// about a pivot K (the group's first value) so that Σ(x − K)² stays well conditioned, as eight-lane float32
// partial sums of at most 64 values added up in float64.

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
        let result = Tensor(unfilled: shape)
        let units = batch * groups
        let workers = Swift.min(Tensor.workerCount(count: input.count, grain: 1 << 16), Swift.max(units, 1))
        // Each worker's Σ dy·x̂ and Σ dy per channel.
        let partials = Tensor(zeros: [workers, 2, channels])
        Tensor.forEachRange(count: units, workers: workers) { worker, range in
            withZeroedDoubles(count: 2 * channels + 2 * channelsPerGroup) { scratch in
                let gammaSums = scratch.baseAddress!, betaSums = gammaSums + channels
                let channelGradientSums = betaSums + channels, channelProductSums = channelGradientSums + channelsPerGroup
                let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer, gammaValues = gamma.pointer
                for unit in range {
                    let firstChannel = (unit % groups) * channelsPerGroup
                    let start = ((unit / groups) * channels + firstChannel) * spatial
                    let pivot = x[start]
                    var sum = 0.0, sumOfSquares = 0.0
                    for localChannel in 0..<channelsPerGroup {
                        let offset = start + localChannel * spatial
                        let sums = Tensor.normalizationSums(x + offset, dy + offset, gamma: nil, count: spatial, pivot: pivot)
                        sum += sums[0]
                        sumOfSquares += sums[1]
                        channelGradientSums[localChannel] = sums[2]
                        channelProductSums[localChannel] = sums[3]
                    }
                    let shiftedMean = sum / groupCount, mean = Double(pivot) + shiftedMean
                    let variance = Swift.max(sumOfSquares / groupCount - shiftedMean * shiftedMean, 0)
                    let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
                    var scaledGradientSum = 0.0, scaledProductSum = 0.0
                    for localChannel in 0..<channelsPerGroup {
                        let channel = firstChannel + localChannel
                        let gradientSum = channelGradientSums[localChannel]
                        // Σ dy·x̂ = r·(Σ dy·(x − K) − (μ − K)·Σ dy).
                        let normalizedProductSum = inverseStd * (channelProductSums[localChannel] - shiftedMean * gradientSum)
                        gammaSums[channel] += normalizedProductSum
                        betaSums[channel] += gradientSum
                        let scale = Double(gammaValues[channel])
                        scaledGradientSum += scale * gradientSum
                        scaledProductSum += scale * normalizedProductSum
                    }
                    // dx = r·γ·dy − r²·mean(g·x̂)·(x − μ) − r·mean(g).
                    let slope = SIMD8<Float>(repeating: Float(-inverseStd * inverseStd * scaledProductSum / groupCount))
                    let shift = SIMD8<Float>(repeating: Float(-inverseStd * scaledGradientSum / groupCount))
                    let meanLanes = SIMD8<Float>(repeating: Float(mean))
                    for localChannel in 0..<channelsPerGroup {
                        let scale = SIMD8<Float>(repeating: Float(inverseStd) * gammaValues[firstChannel + localChannel])
                        let offset = start + localChannel * spatial
                        let source = x + offset, gradient = dy + offset, destination = dx + offset
                        for position in stride(from: 0, to: spatial, by: 8) {
                            let lanes = Swift.min(8, spatial - position)
                            let centred = Tensor.load(source + position, lanes: lanes) - meanLanes
                            let value = scale * Tensor.load(gradient + position, lanes: lanes) + slope * centred + shift
                            Tensor.store(value, to: destination + position, lanes: lanes)
                        }
                    }
                }
                let partial = partials.pointer + worker * 2 * channels
                for channel in 0..<channels {
                    partial[channel] = Float(gammaSums[channel])
                    partial[channels + channel] = Float(betaSums[channel])
                }
            }
        }
        Tensor.accumulate(partials, workers: workers, width: channels, into: weightGradient, biasGradient)
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
        let result = Tensor(unfilled: shape)
        let wantsAffine = weightGradient != nil || biasGradient != nil
        let workers = Swift.min(Tensor.workerCount(count: input.count, grain: 1 << 16), Swift.max(rows, 1))
        // Each worker's Σ dy·x̂ and Σ dy per column.
        let partials = Tensor(zeros: [workers, 2, width])
        let count = Double(width)
        Tensor.forEachRange(count: rows, workers: workers) { worker, range in
            // Column sums over blocks of up to 32 rows in float32, added up in float64.
            let blockSums = Tensor(zeros: [2, width])
            withZeroedDoubles(count: 2 * width) { totals in
                let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer, gammaValues = gamma.pointer
                let gammaBlock = blockSums.pointer, betaBlock = gammaBlock + width
                for row in range {
                    let source = x + row * width, gradient = dy + row * width, destination = dx + row * width
                    let pivot = source[0]
                    let sums = Tensor.normalizationSums(source, gradient, gamma: gammaValues, count: width, pivot: pivot)
                    let shiftedMean = sums[0] / count
                    let variance = Swift.max(sums[1] / count - shiftedMean * shiftedMean, 0)
                    let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
                    let meanLanes = SIMD8<Float>(repeating: Float(Double(pivot) + shiftedMean))
                    let inverseStdLanes = SIMD8<Float>(repeating: Float(inverseStd))
                    let meanGradient = SIMD8<Float>(repeating: Float(sums[2] / count))
                    let meanProduct = SIMD8<Float>(repeating: Float(inverseStd * (sums[3] - shiftedMean * sums[2]) / count))
                    for column in stride(from: 0, to: width, by: 8) {
                        let lanes = Swift.min(8, width - column)
                        let normalized = (Tensor.load(source + column, lanes: lanes) - meanLanes) * inverseStdLanes
                        let g = Tensor.load(gradient + column, lanes: lanes)
                        let value = inverseStdLanes
                            * (g * Tensor.load(gammaValues + column, lanes: lanes) - meanGradient - normalized * meanProduct)
                        Tensor.store(value, to: destination + column, lanes: lanes)
                        guard wantsAffine else { continue }
                        Tensor.store(Tensor.load(gammaBlock + column, lanes: lanes) + g * normalized,
                                     to: gammaBlock + column, lanes: lanes)
                        Tensor.store(Tensor.load(betaBlock + column, lanes: lanes) + g, to: betaBlock + column, lanes: lanes)
                    }
                    if wantsAffine && ((row - range.lowerBound) % 32 == 31 || row == range.upperBound - 1) {
                        for index in 0..<(2 * width) { totals[index] += Double(gammaBlock[index]) }
                        gammaBlock.update(repeating: 0, count: 2 * width)
                    }
                }
                let partial = partials.pointer + worker * 2 * width
                for index in 0..<(2 * width) { partial[index] = Float(totals[index]) }
            }
        }
        if wantsAffine {
            Tensor.accumulate(partials, workers: workers, width: width, into: weightGradient, biasGradient)
        }
        return result
    }

    /// Σ(x − K), Σ(x − K)², Σ g and Σ g·(x − K) over `count` values, with g = dy (times γ when given) and K = pivot:
    /// eight-lane float32 partial sums over blocks of 64 values, added up in float64.
    @inline(__always)
    static func normalizationSums(_ x: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>,
                                  gamma: UnsafeMutablePointer<Float>?, count: Int, pivot: Float) -> SIMD4<Double> {
        var totals = SIMD4<Double>.zero
        let pivotLanes = SIMD8<Float>(repeating: pivot)
        let whole = count / 8 * 8
        var index = 0
        while index < whole {
            let blockEnd = Swift.min(index + 64, whole)
            var sum = SIMD8<Float>.zero, squares = SIMD8<Float>.zero
            var gradients = SIMD8<Float>.zero, products = SIMD8<Float>.zero
            while index < blockEnd {
                let centred = Tensor.load(x + index, lanes: 8) - pivotLanes
                var g = Tensor.load(dy + index, lanes: 8)
                if let gamma { g *= Tensor.load(gamma + index, lanes: 8) }
                sum += centred
                squares += centred * centred
                gradients += g
                products += g * centred
                index += 8
            }
            totals += SIMD4(Double(sum.sum()), Double(squares.sum()), Double(gradients.sum()), Double(products.sum()))
        }
        while index < count {
            let centred = Double(x[index] - pivot), g = Double(dy[index] * (gamma?[index] ?? 1))
            totals += SIMD4(centred, centred * centred, g, g * centred)
            index += 1
        }
        return totals
    }

    /// Adds the workers' partial Σ dy·x̂ (row 0) and Σ dy (row 1) [workers, 2, width], summed in float64, into the
    /// γ and β gradient targets.
    private static func accumulate(_ partials: Tensor, workers: Int, width: Int, into weightGradient: Tensor?,
                                   _ biasGradient: Tensor?) {
        for (row, target) in [weightGradient, biasGradient].enumerated() {
            guard let target else { continue }
            withZeroedDoubles(count: width) { sums in
                for worker in 0..<workers {
                    let partial = partials.pointer + (worker * 2 + row) * width
                    for column in 0..<width { sums[column] += Double(partial[column]) }
                }
                target.accumulate(sums)
            }
        }
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
