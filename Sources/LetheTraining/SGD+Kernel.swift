extension SGD {
    /// The float32 constants of one step.
    struct Constants {
        let weightDecay: Float
        let momentum: Float
        let gradientWeight: Float
        let negativeLearningRate: Float
        let hasWeightDecay: Bool
        let nesterov: Bool
        /// torch starts the momentum buffer as a copy of the first step's direction.
        let firstStep: Bool
    }

    /// Values per pass (the size of the direction scratch buffer).
    static let chunk = 1024

    /// One contiguous run of values, in torch's order of operations, a chunk at a time in simple passes the
    /// compiler vectorises; `buffer` is nil without momentum, `direction` holds `chunk` floats of scratch.
    static func update(_ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                       _ buffer: UnsafeMutablePointer<Float>?, count: Int, _ c: Constants,
                       direction: UnsafeMutablePointer<Float>) {
        var start = 0
        while start < count {
            let length = min(chunk, count - start)
            let p = parameter + start, g = gradient + start
            if c.hasWeightDecay {
                for index in 0..<length { direction[index] = Float.fusedMultiplyAdd(p[index], c.weightDecay, g[index]) }
            } else {
                direction.update(from: g, count: length)
            }
            if let buffer {
                let b = buffer + start
                if c.firstStep {
                    b.update(from: direction, count: length)
                } else {
                    for index in 0..<length {
                        b[index] = Float.fusedMultiplyAdd(direction[index], c.gradientWeight, b[index] * c.momentum)
                    }
                }
                if c.nesterov {
                    for index in 0..<length {
                        direction[index] = Float.fusedMultiplyAdd(b[index], c.momentum, direction[index])
                    }
                } else {
                    direction.update(from: b, count: length)
                }
            }
            for index in 0..<length {
                p[index] = Float.fusedMultiplyAdd(direction[index], c.negativeLearningRate, p[index])
            }
            start += length
        }
    }
}
