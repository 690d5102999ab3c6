import Foundation

extension Tensor {
    /// x · sigmoid(x) (torch.nn.SiLU).
    public func silu() -> Tensor { mapElements { $0 / (1 + Foundation.exp(-$0)) } }

    public func sigmoid() -> Tensor { mapElements { 1 / (1 + Foundation.exp(-$0)) } }

    /// The exact GELU, 0.5 · x · (1 + erf(x / √2)) (torch's default, approximate="none").
    public func gelu() -> Tensor { mapElements { 0.5 * $0 * (1 + Foundation.erf($0 * Float(0.5).squareRoot())) } }

    /// GELU with torch's approximate="tanh".
    public func geluTanh() -> Tensor {
        let c = Float((2.0 / Double.pi).squareRoot())
        return mapElements { x in 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) }
    }

    /// x · sigmoid(1.702 · x), CLIP's quick_gelu.
    public func quickGelu() -> Tensor { mapElements { $0 / (1 + Foundation.exp(-1.702 * $0)) } }

    /// diffusers' GEGLU after its projection: the last axis holds [value, gate]; returns value · gelu(gate).
    public func geglu() -> Tensor {
        let width = (shape.last ?? 0) / 2
        precondition((shape.last ?? 0) == 2 * width, "geglu needs an even last dimension, got \(shape)")
        let input = contiguous()
        let rows = count / Swift.max(2 * width, 1)
        let result = Tensor(unfilled: Array(shape.dropLast()) + [width])
        let inverseSqrt2 = Float(0.5).squareRoot()
        let (source, destination) = (SharedFloatPointer(input.pointer), SharedFloatPointer(result.pointer))
        Tensor.forEachRange(count: rows, workers: Tensor.workerCount(count: rows * width, grain: Tensor.elementwiseGrain)) { _, range in
            for row in range {
                let value = source.base + row * 2 * width, gate = value + width
                let out = destination.base + row * width
                for column in 0..<width {
                    let g = gate[column]
                    out[column] = value[column] * (0.5 * g * (1 + Foundation.erf(g * inverseSqrt2)))
                }
            }
        }
        return result
    }
}
