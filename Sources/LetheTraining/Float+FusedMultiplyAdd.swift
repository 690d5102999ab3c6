extension Float {
    /// x·y + z rounded once to float32: the same value as `z.addingProduct(x, y)` (torch's fused multiply-adds),
    /// computed in double precision so that loops of it vectorise. `addingProduct` becomes a call to the C library's
    /// `fmaf` on targets built without FMA instructions, several times slower per value.
    ///
    /// The product of two floats is exact in double precision; the sum is then rounded to odd (Boldo and Melquiond),
    /// so the final rounding to float32 is the only one that counts, as in a fused multiply-add: TwoSum gives the
    /// sum's rounding error; an inexact sum is truncated towards zero and its last bit set. Branch-free, so loops
    /// of it vectorise. Infinite and NaN sums (their error is NaN) pass unchanged.
    @inline(__always)
    static func fusedMultiplyAdd(_ x: Float, _ y: Float, _ z: Float) -> Float {
        let product = Double(x) * Double(y)
        let addend = Double(z)
        let sum = product + addend
        let addendPart = sum - product
        let error = (product - (sum - addendPart)) + (addend - addendPart)
        let bits = sum.bitPattern
        let inexact: UInt64 = error.magnitude > 0 ? 1 : 0
        // One step towards zero when the sum overshot the exact value (error and sum of opposite signs).
        let overshot = inexact & ((error.bitPattern ^ bits) >> 63)
        return Float(Double(bitPattern: (bits &- overshot) | inexact))
    }
}
