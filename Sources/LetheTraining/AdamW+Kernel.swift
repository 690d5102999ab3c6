extension AdamW {
    /// The float32 constants of one step.
    struct Constants {
        /// 1 − lr·wd, or 1 without weight decay (multiplying by 1 changes nothing, as skipping does).
        let decay: Float
        let firstWeight: Float
        let beta2: Float
        let secondWeight: Float
        let negativeStepSize: Float
        let biasCorrection2Root: Float
        let epsilon: Float
    }

    /// Values per pass: the moments of a chunk are still in cache when the parameter pass reads them.
    static let chunk = 1024

    /// Values per parallel task (a multiple of `chunk`).
    static let parallelBlock = 1 << 16

    /// One contiguous run of values, in torch's order of operations, a chunk at a time: first the moments (a loop
    /// the compiler vectorises), then the parameters, four at a time (float32 square roots and divisions, which
    /// it leaves scalar otherwise).
    static func update(_ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                       _ average: UnsafeMutablePointer<Float>, _ squareAverage: UnsafeMutablePointer<Float>,
                       count: Int, _ c: Constants) {
        // torch's lerp: weight·(end − self) + self for a small weight, (weight − 1)·(end − self) + end otherwise.
        let smallWeight = abs(c.firstWeight) < 0.5
        let lerpCoefficient = smallWeight ? c.firstWeight : c.firstWeight - 1
        var start = 0
        while start < count {
            let end = min(start + chunk, count)
            for index in start..<end {
                let g = gradient[index]
                let m = average[index]
                average[index] = Float.fusedMultiplyAdd(lerpCoefficient, g - m, smallWeight ? m : g)
                squareAverage[index] = Float.fusedMultiplyAdd(c.secondWeight * g, g, squareAverage[index] * c.beta2)
            }
            var index = start
            while index + 4 <= end {
                let v = UnsafeRawPointer(squareAverage + index).loadUnaligned(as: SIMD4<Float>.self)
                let m = UnsafeRawPointer(average + index).loadUnaligned(as: SIMD4<Float>.self)
                let p = UnsafeRawPointer(parameter + index).loadUnaligned(as: SIMD4<Float>.self)
                let denominator = v.squareRoot() / c.biasCorrection2Root + c.epsilon
                let updated = p * c.decay + (c.negativeStepSize * m) / denominator
                UnsafeMutableRawPointer(parameter + index).storeBytes(of: updated, as: SIMD4<Float>.self)
                index += 4
            }
            while index < end {
                let denominator = squareAverage[index].squareRoot() / c.biasCorrection2Root + c.epsilon
                parameter[index] = parameter[index] * c.decay + (c.negativeStepSize * average[index]) / denominator
                index += 1
            }
            start = end
        }
    }
}
