import LetheDistributed

/// Element types under test, each made from an integer so that every rank can compute expected values alone.
protocol CheckScalar: CommunicatorElement, Equatable, CustomStringConvertible {
    static var typeName: String { get }
    /// The element for `n`, scaled so the type's width and fraction bits matter (exact for the n used here).
    static func checkValue(_ n: Int) -> Self
}

/// Element types that can also be reduced, with the arithmetic to compute expected reductions.
protocol ReducibleCheckScalar: CheckScalar, CommunicatorReducible, AdditiveArithmetic, Comparable {}

extension Float: ReducibleCheckScalar {
    static var typeName: String { "Float" }
    static func checkValue(_ n: Int) -> Float { Float(n) * 0.25 }
}

extension Double: ReducibleCheckScalar {
    static var typeName: String { "Double" }
    // Past Float's 24 bits: a float32 wire type would lose the 0.5.
    static func checkValue(_ n: Int) -> Double { Double(n) * 0x1p33 + 0.5 }
}

extension Int: ReducibleCheckScalar {
    static var typeName: String { "Int" }
    // Past Int32: a 32-bit wire type would lose the high bits.
    static func checkValue(_ n: Int) -> Int { n << 40 + 1 }
}

extension Int32: ReducibleCheckScalar {
    static var typeName: String { "Int32" }
    static func checkValue(_ n: Int) -> Int32 { Int32(n) << 20 + 3 }
}

extension UInt8: CheckScalar {
    static var typeName: String { "UInt8" }
    static func checkValue(_ n: Int) -> UInt8 { UInt8(truncatingIfNeeded: n &* 37 &+ 11) }
}
