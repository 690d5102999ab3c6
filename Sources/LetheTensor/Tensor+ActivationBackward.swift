import Foundation

extension Tensor {
    /// dL/dx of `input.silu()` (self is dL/dy): dy · s · (1 + x · (1 − s)), s = sigmoid(x).
    public func siluBackward(input: Tensor) -> Tensor {
        multipliedByDerivative(at: input) { x in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        }
    }

    /// dL/dx of `input.sigmoid()` (self is dL/dy): dy · s · (1 − s).
    public func sigmoidBackward(input: Tensor) -> Tensor {
        multipliedByDerivative(at: input) { x in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 - s)
        }
    }

    /// dL/dx of `input.gelu()` (exact, erf form; self is dL/dy): dy · (Φ(x) + x · φ(x)).
    public func geluBackward(input: Tensor) -> Tensor {
        multipliedByDerivative(at: input) { Tensor.geluDerivative($0) }
    }

    /// dL/dx of `input.geluTanh()` (self is dL/dy), the derivative of 0.5 · x · (1 + tanh(c · (x + 0.044715 · x³))).
    public func geluTanhBackward(input: Tensor) -> Tensor {
        let c = Float((2.0 / Double.pi).squareRoot())
        return multipliedByDerivative(at: input) { x in
            let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        }
    }

    /// dL/dx of `input.quickGelu()` (self is dL/dy): dy · s · (1 + 1.702 · x · (1 − s)), s = sigmoid(1.702 · x).
    public func quickGeluBackward(input: Tensor) -> Tensor {
        multipliedByDerivative(at: input) { x in
            let s = 1 / (1 + Foundation.exp(-1.702 * x))
            return s * (1 + 1.702 * x * (1 - s))
        }
    }

    /// dL/dx of `input.geglu()` (input [..., 2H] split into value and gate halves; self is dL/dy [..., H]):
    /// d value = dy · gelu(gate), d gate = dy · value · gelu′(gate).
    public func gegluBackward(input: Tensor) -> Tensor {
        let width = (input.shape.last ?? 0) / 2
        precondition(input.rank >= 1 && input.shape.last == 2 * width, "gegluBackward needs an even last dimension, got \(input.shape)")
        precondition(shape == Array(input.shape.dropLast()) + [width],
                     "gegluBackward: output gradient \(shape) does not match input \(input.shape)")
        let values = input.contiguous(), outputGradient = contiguous()
        let result = Tensor(zeros: input.shape)
        let rows = input.count / Swift.max(2 * width, 1)
        let inverseSqrt2 = Float(0.5).squareRoot(), inverseSqrt2Pi = Float(1 / (2 * Double.pi).squareRoot())
        let source = values.pointer, gradient = outputGradient.pointer, destination = result.pointer
        for row in 0..<rows {
            let value = source + row * 2 * width, gate = value + width, dy = gradient + row * width
            let valueGradient = destination + row * 2 * width, gateGradient = valueGradient + width
            for column in 0..<width {
                let g = gate[column]
                let cdf = 0.5 * (1 + Foundation.erf(g * inverseSqrt2))
                let density = Foundation.exp(-0.5 * g * g) * inverseSqrt2Pi
                valueGradient[column] = dy[column] * g * cdf
                gateGradient[column] = dy[column] * value[column] * (cdf + g * density)
            }
        }
        return result
    }

    /// d/dx of the exact GELU: Φ(x) + x · φ(x).
    @inline(__always)
    static func geluDerivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + Foundation.erf(x * Float(0.5).squareRoot()))
        let density = Foundation.exp(-0.5 * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        return cdf + x * density
    }

    /// dy · f′(x) elementwise, in one loop over dense copies of self (dy) and `input` (x).
    @inline(__always)
    private func multipliedByDerivative(at input: Tensor, _ derivative: (Float) -> Float) -> Tensor {
        precondition(shape == input.shape, "activation backward: output gradient \(shape) does not match input \(input.shape)")
        let values = input.contiguous(), outputGradient = contiguous()
        let result = Tensor(zeros: shape)
        let x = values.pointer, dy = outputGradient.pointer, dx = result.pointer
        for index in 0..<count { dx[index] = dy[index] * derivative(x[index]) }
        return result
    }
}
