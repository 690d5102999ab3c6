extension Tensor {
    /// Applies `body` to every element, producing a new dense tensor.
    @inline(__always)
    func mapElements(_ body: (Float) -> Float) -> Tensor {
        let input = contiguous()
        let result = Tensor(zeros: shape)
        let source = input.pointer, destination = result.pointer
        for index in 0..<count { destination[index] = body(source[index]) }
        return result
    }

    /// Combines two tensors elementwise with broadcasting, producing a new dense tensor.
    @inline(__always)
    func zipElements(_ other: Tensor, _ body: (Float, Float) -> Float) -> Tensor {
        guard let outShape = Tensor.broadcastShape(shape, other.shape) else {
            preconditionFailure("shapes \(shape) and \(other.shape) do not broadcast")
        }
        let lhs = shape == outShape ? contiguous() : broadcasted(to: outShape).copy()
        let rhs = other.shape == outShape ? other.contiguous() : other.broadcasted(to: outShape).copy()
        let result = Tensor(zeros: outShape)
        let a = lhs.pointer, b = rhs.pointer, destination = result.pointer
        for index in 0..<result.count { destination[index] = body(a[index], b[index]) }
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
            let s = source.pointer
            for index in 0..<destination.count { destination[index] += alpha * s[index] }
        }
    }

    /// self *= factor, in place.
    public func scaleInPlace(by factor: Float) {
        withUnsafeMutableBufferPointer { values in
            for index in 0..<values.count { values[index] *= factor }
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
