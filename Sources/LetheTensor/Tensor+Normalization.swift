extension Tensor {
    /// torch.nn.LayerNorm over the last axis: (x − mean) / √(var + eps) · weight + bias, biased variance.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        let width = shape.last ?? 1
        precondition(weight == nil || weight!.count == width, "layerNorm: weight \(weight!.shape) does not match width \(width)")
        precondition(bias == nil || bias!.count == width, "layerNorm: bias \(bias!.shape) does not match width \(width)")
        let input = contiguous()
        let result = Tensor(unfilled: shape)
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        let (gammaPointer, betaPointer) = (gamma.map { SharedFloatPointer($0.pointer) }, beta.map { SharedFloatPointer($0.pointer) })
        let rows = width == 0 ? 0 : count / width
        let (inputPointer, resultPointer) = (SharedFloatPointer(input.pointer), SharedFloatPointer(result.pointer))
        // Rows are independent: split over the cores, the same values whatever the split.
        Tensor.forEachRange(count: rows, workers: Tensor.workerCount(count: count, grain: Tensor.elementwiseGrain)) { _, range in
            for row in range {
                let source = inputPointer.base + row * width, destination = resultPointer.base + row * width
                let (mean, inverseStd) = Tensor.meanAndInverseStd(source, count: width, epsilon: epsilon)
                for column in 0..<width {
                    var value = (source[column] - mean) * inverseStd
                    if let gammaPointer { value *= gammaPointer.base[column] }
                    if let betaPointer { value += betaPointer.base[column] }
                    destination[column] = value
                }
            }
        }
        return result
    }

    /// torch.nn.GroupNorm on [N, C, ...]: statistics over each group of C/groups channels and all spatial positions.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        precondition(rank >= 2, "groupNorm needs [N, C, ...], got \(shape)")
        let batch = shape[0], channels = shape[1]
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels do not split into \(groups) groups")
        let spatial = count / Swift.max(batch * channels, 1)
        let channelsPerGroup = channels / groups
        let input = contiguous()
        let result = Tensor(unfilled: shape)
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        let (gammaPointer, betaPointer) = (gamma.map { SharedFloatPointer($0.pointer) }, beta.map { SharedFloatPointer($0.pointer) })
        let (inputPointer, resultPointer) = (SharedFloatPointer(input.pointer), SharedFloatPointer(result.pointer))
        // Each (sample, group) is independent: split over the cores, the same values whatever the split.
        Tensor.forEachRange(count: batch * groups, workers: Tensor.workerCount(count: count, grain: Tensor.elementwiseGrain)) { _, range in
            for pair in range {
                let (sample, group) = pair.quotientAndRemainder(dividingBy: groups)
                let start = (sample * channels + group * channelsPerGroup) * spatial
                let (mean, inverseStd) = Tensor.meanAndInverseStd(inputPointer.base + start, count: channelsPerGroup * spatial,
                                                                  epsilon: epsilon)
                for localChannel in 0..<channelsPerGroup {
                    let channel = group * channelsPerGroup + localChannel
                    let scale = inverseStd * (gammaPointer?.base[channel] ?? 1)
                    let shift = (betaPointer?.base[channel] ?? 0) - mean * scale
                    let source = inputPointer.base + start + localChannel * spatial
                    let destination = resultPointer.base + start + localChannel * spatial
                    for position in 0..<spatial { destination[position] = source[position] * scale + shift }
                }
            }
        }
        return result
    }

    /// Mean and 1/√(biased variance + eps), accumulated in float64 (two passes).
    static func meanAndInverseStd(_ values: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) -> (Float, Float) {
        var sum = 0.0
        for index in 0..<count { sum += Double(values[index]) }
        let mean = sum / Double(Swift.max(count, 1))
        var squares = 0.0
        for index in 0..<count {
            let centred = Double(values[index]) - mean
            squares += centred * centred
        }
        let variance = squares / Double(Swift.max(count, 1))
        return (Float(mean), Float(1 / (variance + Double(epsilon)).squareRoot()))
    }
}
