extension Tensor {
    /// Applies `body` to every element, producing a new dense tensor; large tensors are split over the cores (each
    /// element is computed alone, so the result does not depend on the split).
    @inline(__always)
    func mapElements(_ body: @Sendable (Float) -> Float) -> Tensor {
        let input = contiguous()
        let result = Tensor(unfilled: shape)
        let (source, destination) = (SharedFloatPointer(input.pointer), SharedFloatPointer(result.pointer))
        Tensor.forEachElementRange(count: count) { range in
            for index in range { destination.base[index] = body(source.base[index]) }
        }
        return result
    }

    /// Combines two tensors elementwise with broadcasting, producing a new dense tensor.
    @inline(__always)
    func zipElements(_ other: Tensor, _ body: @Sendable (Float, Float) -> Float) -> Tensor {
        guard let outShape = Tensor.broadcastShape(shape, other.shape) else {
            preconditionFailure("shapes \(shape) and \(other.shape) do not broadcast")
        }
        let lhs = shape == outShape ? contiguous() : broadcasted(to: outShape).copy()
        let rhs = other.shape == outShape ? other.contiguous() : other.broadcasted(to: outShape).copy()
        let result = Tensor(unfilled: outShape)
        let (a, b, destination) = (SharedFloatPointer(lhs.pointer), SharedFloatPointer(rhs.pointer), SharedFloatPointer(result.pointer))
        Tensor.forEachElementRange(count: result.count) { range in
            for index in range { destination.base[index] = body(a.base[index], b.base[index]) }
        }
        return result
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipElements(rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipElements(rhs, -) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipElements(rhs, *) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipElements(rhs, /) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.mapElements { $0 * rhs } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.mapElements { lhs * $0 } }
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.mapElements { $0 + rhs } }
    public static prefix func - (operand: Tensor) -> Tensor { operand.mapElements { -$0 } }

    /// self += alpha · other, in place (same shape; self contiguous). The axpy of gradient accumulation.
    public func addInPlace(_ other: Tensor, scaledBy alpha: Float = 1) {
        precondition(other.shape == shape, "addInPlace: shape \(other.shape) does not match \(shape)")
        let source = other.contiguous()
        withUnsafeMutableBufferPointer { destination in
            let (s, d) = (SharedFloatPointer(source.pointer), SharedFloatPointer(destination.baseAddress ?? pointer))
            Tensor.forEachElementRange(count: destination.count) { range in
                for index in range { d.base[index] += alpha * s.base[index] }
            }
        }
    }

    /// self *= factor, in place.
    public func scaleInPlace(by factor: Float) {
        withUnsafeMutableBufferPointer { values in
            let v = SharedFloatPointer(values.baseAddress ?? pointer)
            Tensor.forEachElementRange(count: values.count) { range in
                for index in range { v.base[index] *= factor }
            }
        }
    }

    /// Fills a contiguous tensor with `value`.
    public func fill(_ value: Float) {
        withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    public func squareRoot() -> Tensor { mapElements { $0.squareRoot() } }
    public func exp() -> Tensor { mapElements { Foundation.exp($0) } }
}

import Foundation
