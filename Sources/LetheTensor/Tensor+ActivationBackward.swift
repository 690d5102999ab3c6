extension Tensor {
    /// dL/dx of `input.silu()` (self is dL/dy): dy · s · (1 + x · (1 − s)), s = sigmoid(x).
    public func siluBackward(input: Tensor) -> Tensor { multipliedByDerivative(of: SiLU.self, at: input) }

    /// dL/dx of `input.sigmoid()` (self is dL/dy): dy · s · (1 − s).
    public func sigmoidBackward(input: Tensor) -> Tensor { multipliedByDerivative(of: Sigmoid.self, at: input) }

    /// dL/dx of `input.gelu()` (exact, erf form; self is dL/dy): dy · (Φ(x) + x · φ(x)).
    public func geluBackward(input: Tensor) -> Tensor { multipliedByDerivative(of: GELU.self, at: input) }

    /// dL/dx of `input.geluTanh()` (self is dL/dy), the derivative of 0.5 · x · (1 + tanh(c · (x + 0.044715 · x³))).
    public func geluTanhBackward(input: Tensor) -> Tensor { multipliedByDerivative(of: TanhGELU.self, at: input) }

    /// dL/dx of `input.quickGelu()` (self is dL/dy): dy · s · (1 + 1.702 · x · (1 − s)), s = sigmoid(1.702 · x).
    public func quickGeluBackward(input: Tensor) -> Tensor { multipliedByDerivative(of: QuickGELU.self, at: input) }

    /// dL/dx of `input.geglu()` (input [..., 2H] split into value and gate halves; self is dL/dy [..., H]):
    /// d value = dy · gelu(gate), d gate = dy · value · gelu′(gate).
    public func gegluBackward(input: Tensor) -> Tensor {
        let width = (input.shape.last ?? 0) / 2
        precondition(input.rank >= 1 && input.shape.last == 2 * width, "gegluBackward needs an even last dimension, got \(input.shape)")
        precondition(shape == Array(input.shape.dropLast()) + [width],
                     "gegluBackward: output gradient \(shape) does not match input \(input.shape)")
        let values = input.contiguous(), outputGradient = contiguous()
        let result = Tensor(unfilled: input.shape)
        let rows = input.count / Swift.max(2 * width, 1)
        Tensor.forEachRange(count: rows, workers: Tensor.workerCount(count: count, grain: 1 << 15)) { _, range in
            let source = values.pointer, gradient = outputGradient.pointer, destination = result.pointer
            for row in range {
                let value = source + row * 2 * width, gate = value + width, dy = gradient + row * width
                let valueGradient = destination + row * 2 * width, gateGradient = valueGradient + width
                var column = 0
                while column < width {
                    let lanes = Swift.min(8, width - column)
                    let (d, g, v) = lanes == 8
                        ? (Tensor.load(dy + column), Tensor.load(gate + column), Tensor.load(value + column))
                        : (Tensor.load(dy + column, lanes: lanes), Tensor.load(gate + column, lanes: lanes),
                           Tensor.load(value + column, lanes: lanes))
                    let (cdf, density) = SIMD8.normalDistribution(g)
                    let (valueLanes, gateLanes) = (d * g * cdf, d * v * (cdf + g * density))
                    if lanes == 8 {
                        UnsafeMutableRawPointer(valueGradient + column).storeBytes(of: valueLanes, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(gateGradient + column).storeBytes(of: gateLanes, as: SIMD8<Float>.self)
                    } else {
                        Tensor.store(valueLanes, to: valueGradient + column, lanes: lanes)
                        Tensor.store(gateLanes, to: gateGradient + column, lanes: lanes)
                    }
                    column += 8
                }
            }
        }
        return result
    }

    /// dy · f′(x) elementwise over dense copies of self (dy) and `input` (x), eight lanes at a time, split over
    /// cores when large. Generic over the derivative so each activation gets its own inlined loop.
    private func multipliedByDerivative<Function: ActivationDerivative>(of _: Function.Type, at input: Tensor) -> Tensor {
        precondition(shape == input.shape, "activation backward: output gradient \(shape) does not match input \(input.shape)")
        let values = input.contiguous(), outputGradient = contiguous()
        let result = Tensor(unfilled: shape)
        Tensor.forEachRange(count: count, workers: Tensor.workerCount(count: count, grain: 1 << 15)) { _, range in
            let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let gradient = Tensor.load(dy + index) * Function.derivative(Tensor.load(x + index))
                UnsafeMutableRawPointer(dx + index).storeBytes(of: gradient, as: SIMD8<Float>.self)
                index += 8
            }
            if index < range.upperBound {
                let lanes = range.upperBound - index
                let gradient = Tensor.load(dy + index, lanes: lanes) * Function.derivative(Tensor.load(x + index, lanes: lanes))
                Tensor.store(gradient, to: dx + index, lanes: lanes)
            }
        }
        return result
    }

    /// Eight floats at `source`.
    @inline(__always)
    static func load(_ source: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// `lanes` floats at `source` (the rest zero).
    @inline(__always)
    static func load(_ source: UnsafeMutablePointer<Float>, lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return load(source) }
        var vector = SIMD8<Float>.zero
        for lane in 0..<lanes { vector[lane] = source[lane] }
        return vector
    }

    /// The first `lanes` lanes of `vector` to `destination`.
    @inline(__always)
    static func store(_ vector: SIMD8<Float>, to destination: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 8 {
            UnsafeMutableRawPointer(destination).storeBytes(of: vector, as: SIMD8<Float>.self)
            return
        }
        for lane in 0..<lanes { destination[lane] = vector[lane] }
    }
}

/// An activation's derivative f′(x), eight lanes at a time.
private protocol ActivationDerivative: Sendable {
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float>
}

private enum SiLU: ActivationDerivative {
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let s = SIMD8.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
}

private enum Sigmoid: ActivationDerivative {
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let s = SIMD8.sigmoid(x)
        return s * (1 - s)
    }
}

private enum GELU: ActivationDerivative {
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let (cdf, density) = SIMD8.normalDistribution(x)
        return cdf + x * density
    }
}

private enum TanhGELU: ActivationDerivative {
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let c = SIMD8<Float>(repeating: Float((2.0 / Double.pi).squareRoot()))
        let x2: SIMD8<Float> = x * x
        let t = SIMD8.hyperbolicTangent(c * x * (1 + 0.044715 * x2))
        let slope: SIMD8<Float> = c * (1 + 3 * 0.044715 * x2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope
    }
}

private enum QuickGELU: ActivationDerivative {
    @inline(__always)
    static func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let scaled = 1.702 * x
        let s = SIMD8.sigmoid(scaled)
        return s * (1 + scaled * (1 - s))
    }
}
