/// How 8-bit pixel levels become the [-1, 1] floats a VAE encoder takes. The training recipes differ in the
/// last bit of half the levels, so each is reproduced exactly.
public enum ImagePixelNormalization: Sendable, CaseIterable {
    /// diffusers' textual-inversion example: `(pixels / 127.5 - 1.0).astype(np.float32)`, computed in float64
    /// and rounded once to float32.
    case textualInversion
    /// torchvision's `ToTensor()` then `Normalize([0.5], [0.5])` (diffusers' other training scripts,
    /// Forget-Me-Not): `level / 255`, `- 0.5`, `/ 0.5`, each step rounded to float32.
    case torchvision

    /// The float for one level.
    public func value(forLevel level: UInt8) -> Float {
        switch self {
        case .textualInversion:
            return Float(Double(level) / 127.5 - 1.0)
        case .torchvision:
            let unit = Float(level) / 255
            let centred = unit - 0.5
            return centred / 0.5
        }
    }

    /// The floats for all 256 levels, indexed by level.
    public var table: [Float] {
        (0...255).map { value(forLevel: UInt8($0)) }
    }
}
