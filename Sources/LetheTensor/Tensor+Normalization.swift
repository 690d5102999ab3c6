extension Tensor {
    /// torch.nn.LayerNorm over the last axis: (x − mean) / √(var + eps) · weight + bias, biased variance.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        let width = shape.last ?? 1
        precondition(weight == nil || weight!.count == width, "layerNorm: weight \(weight!.shape) does not match width \(width)")
        precondition(bias == nil || bias!.count == width, "layerNorm: bias \(bias!.shape) does not match width \(width)")
        let input = contiguous()
        let result = Tensor(zeros: shape)
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        let rows = width == 0 ? 0 : count / width
        for row in 0..<rows {
            let source = input.pointer + row * width, destination = result.pointer + row * width
            let (mean, inverseStd) = Tensor.meanAndInverseStd(source, count: width, epsilon: epsilon)
            for column in 0..<width {
                var value = (source[column] - mean) * inverseStd
                if let gamma { value *= gamma.pointer[column] }
                if let beta { value += beta.pointer[column] }
                destination[column] = value
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
        let result = Tensor(zeros: shape)
        let gamma = weight?.contiguous(), beta = bias?.contiguous()
        for sample in 0..<batch {
            for group in 0..<groups {
                let start = (sample * channels + group * channelsPerGroup) * spatial
                let (mean, inverseStd) = Tensor.meanAndInverseStd(input.pointer + start, count: channelsPerGroup * spatial,
                                                                  epsilon: epsilon)
                for localChannel in 0..<channelsPerGroup {
                    let channel = group * channelsPerGroup + localChannel
                    let scale = inverseStd * (gamma?.pointer[channel] ?? 1)
                    let shift = (beta?.pointer[channel] ?? 0) - mean * scale
                    let source = input.pointer + start + localChannel * spatial
                    let destination = result.pointer + start + localChannel * spatial
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
