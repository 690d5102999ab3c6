import Foundation
import LetheTensor

/// How far values are from their reference. The measure is max|a − b| / max|b| over the whole tensor (`value`);
/// alongside it, the elementwise max |a − b| / (|b| + floor) and, for float32 pairs, the distance in units in the
/// last place. Differences are taken in float64. A NaN on one side only counts as infinitely far.
public struct RelativeError: CustomStringConvertible, Sendable {
    /// max |a − b|.
    public private(set) var largestDifference = 0.0
    /// max |b|.
    public private(set) var largestReference = 0.0
    /// max |a − b| / (|b| + elementwiseFloor).
    public private(set) var elementwise = 0.0
    /// The largest distance in representable floats of the float32 pairs added (0 for float64 pairs).
    public private(set) var maxUlps: UInt32 = 0
    /// The floor of the elementwise measure, which turns it absolute near zero.
    public let elementwiseFloor: Double

    /// Nothing compared yet.
    public init(elementwiseFloor: Double = 1e-3) { self.elementwiseFloor = elementwiseFloor }

    /// `actual` against `expected`, which must have the same shape.
    public init(_ actual: Tensor, _ expected: Tensor, elementwiseFloor: Double = 1e-3) {
        precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
        self.init(actual.toArray(), expected.toArray(), elementwiseFloor: elementwiseFloor)
    }

    public init(_ actual: [Float], _ expected: [Float], elementwiseFloor: Double = 1e-3) {
        precondition(actual.count == expected.count, "element counts differ: \(actual.count) vs \(expected.count)")
        self.init(elementwiseFloor: elementwiseFloor)
        for (a, b) in zip(actual, expected) { add(a, b) }
    }

    /// One value against its reference: |a − b| / |b|.
    public init(_ actual: Float, _ expected: Float) { self.init([actual], [expected]) }

    /// float32 values against a float64 reference.
    public init(_ actual: [Float], _ expected: [Double], elementwiseFloor: Double = 1e-3) {
        precondition(actual.count == expected.count, "element counts differ: \(actual.count) vs \(expected.count)")
        self.init(elementwiseFloor: elementwiseFloor)
        for (a, b) in zip(actual, expected) { add(Double(a), b) }
    }

    public init(_ actual: [Double], _ expected: [Double], elementwiseFloor: Double = 1e-3) {
        precondition(actual.count == expected.count, "element counts differ: \(actual.count) vs \(expected.count)")
        self.init(elementwiseFloor: elementwiseFloor)
        for (a, b) in zip(actual, expected) { add(a, b) }
    }

    /// Two float64 matrices of the same size.
    public init(_ actual: DoubleMatrix, _ expected: DoubleMatrix, elementwiseFloor: Double = 1e-3) {
        precondition(actual.rows == expected.rows && actual.columns == expected.columns,
                     "\(actual.rows)×\(actual.columns) vs \(expected.rows)×\(expected.columns)")
        self.init(actual.elements, expected.elements, elementwiseFloor: elementwiseFloor)
    }

    public mutating func add(_ a: Float, _ b: Float) {
        maxUlps = max(maxUlps, Self.ulps(a, b))
        add(Double(a), Double(b))
    }

    public mutating func add(_ a: Double, _ b: Double) {
        var difference = abs(a - b)
        if difference.isNaN { difference = a.isNaN && b.isNaN ? 0 : .infinity }
        largestDifference = max(largestDifference, difference)
        largestReference = max(largestReference, abs(b))
        elementwise = max(elementwise, difference / (abs(b) + elementwiseFloor))
    }

    /// Both comparisons together (for the elementwise measure, this one's floor is kept).
    public mutating func merge(_ other: RelativeError) {
        largestDifference = max(largestDifference, other.largestDifference)
        largestReference = max(largestReference, other.largestReference)
        elementwise = max(elementwise, other.elementwise)
        maxUlps = max(maxUlps, other.maxUlps)
    }

    /// max |a − b| / max |b|: 0 when both are zero, infinite when only the reference is.
    public var value: Double { relative() }

    /// max |a − b| / max(max |b|, floorScale), for a reference that is zero in exact arithmetic and so has no scale
    /// of its own; 0 when both are zero, infinite when only the scale is.
    public func relative(floorScale: Double = 0) -> Double {
        let scale = max(largestReference, floorScale)
        return scale > 0 ? largestDifference / scale : (largestDifference == 0 ? 0 : .infinity)
    }

    public var description: String {
        "max relative \(String(format: "%.3e", value)), max elementwise \(String(format: "%.3e", elementwise)), "
            + "max \(maxUlps) ulp"
    }

    /// Distance in representable floats (NaN against anything but NaN counts as infinitely far).
    public static func ulps(_ a: Float, _ b: Float) -> UInt32 {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
        func ordered(_ x: Float) -> Int64 {
            let bits = Int64(x.bitPattern & 0x7fff_ffff)
            return x.sign == .minus ? -bits : bits
        }
        return UInt32(clamping: abs(ordered(a) - ordered(b)))
    }
}
