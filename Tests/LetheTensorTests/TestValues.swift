import LetheTensor

/// Deterministic pseudo-random test inputs from a 64-bit LCG (independent of the library's own generators).
struct TestValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }

    /// Uniform in [-1, 1).
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
    }

    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { _ in next() * scale })
    }
}

/// Direct float64 convolution, written from the definition of torch.nn.functional.conv2d.
func referenceConv(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) -> (shape: [Int], values: [Double]) {
    let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (cout, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    let ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1
    var out = [Double]()
    for b in 0..<n { for o in 0..<cout { for y in 0..<ho { for x in 0..<wo {
        var total = bias.map { Double($0[o]) } ?? 0
        for c in 0..<cin { for i in 0..<kh { for j in 0..<kw {
            let iy = y * stride - padding + i, ix = x * stride - padding + j
            if iy >= 0 && iy < h && ix >= 0 && ix < w { total += Double(input[b, c, iy, ix]) * Double(weight[o, c, i, j]) }
        } } }
        out.append(total)
    } } } }
    return ([n, cout, ho, wo], out)
}
