// Signatures of the backward kernels. Each is replaced by its implementation in its own Tensor+<Aspect>Backward.swift.
// Conventions: gradient targets passed in (weightGradient, biasGradient, into:) are accumulated into (+=), never
// overwritten; input gradients are returned as new contiguous tensors; a nil target skips that work.

extension Tensor {
    /// Backward of `input.linear(weight:bias:)` (y = x·Wᵀ + b, x [..., in], W [out, in]); self is dL/dy [..., out].
    /// Accumulates dW += dyᵀ·x and db += Σ dy; returns dL/dx (nil when `computeInputGradient` is false).
    public func linearBackward(input: Tensor, weight: Tensor, weightGradient: Tensor?, biasGradient: Tensor?,
                               computeInputGradient: Bool = true) -> Tensor? {
        fatalError("linearBackward not implemented yet")
    }

    /// Backward of `input.conv2d(weight:bias:geometry:)`; self is dL/dy [N, Cout, Ho, Wo]. Accumulates dW [Cout, Cin,
    /// kH, kW] and db [Cout]; returns dL/dx [N, Cin, H, W] (nil when not asked).
    public func conv2dBackward(input: Tensor, weight: Tensor, geometry: Conv2DGeometry, weightGradient: Tensor?,
                               biasGradient: Tensor?, computeInputGradient: Bool = true) -> Tensor? {
        fatalError("conv2dBackward not implemented yet")
    }

    /// Backward of `input.groupNorm(groups:weight:bias:epsilon:)`; self is dL/dy. Statistics are recomputed from
    /// `input`. Accumulates dγ, dβ [C]; returns dL/dx.
    public func groupNormBackward(input: Tensor, groups: Int, weight: Tensor?, epsilon: Float,
                                  weightGradient: Tensor?, biasGradient: Tensor?) -> Tensor {
        fatalError("groupNormBackward not implemented yet")
    }

    /// Backward of `input.layerNorm(weight:bias:epsilon:)` over the last axis; self is dL/dy.
    public func layerNormBackward(input: Tensor, weight: Tensor?, epsilon: Float,
                                  weightGradient: Tensor?, biasGradient: Tensor?) -> Tensor {
        fatalError("layerNormBackward not implemented yet")
    }

    /// dL/dx of `input.silu()` (self is dL/dy). Likewise for gelu (erf), geluTanh, quickGelu and sigmoid.
    public func siluBackward(input: Tensor) -> Tensor { fatalError("siluBackward not implemented yet") }
    public func geluBackward(input: Tensor) -> Tensor { fatalError("geluBackward not implemented yet") }
    public func geluTanhBackward(input: Tensor) -> Tensor { fatalError("geluTanhBackward not implemented yet") }
    public func quickGeluBackward(input: Tensor) -> Tensor { fatalError("quickGeluBackward not implemented yet") }
    /// dL/dx of `input.geglu()` (input [..., 2H] split into value and gate halves; self is dL/dy [..., H]).
    public func gegluBackward(input: Tensor) -> Tensor { fatalError("gegluBackward not implemented yet") }

    /// Softmax backward in place over the last axis: self holds dL/dP on entry and dL/dS on return, where
    /// P = softmax(scale·S) is `probabilities` (same shape; rows complete): dS = scale·P∘(dP − Σ_row P∘dP).
    public func softmaxBackwardInPlace(probabilities: Tensor, scale: Float = 1) {
        fatalError("softmaxBackwardInPlace not implemented yet")
    }

    /// dL/dx of `input.upsampleNearest(factor:)` (self is dL/dy [N, C, H·f, W·f]) → [N, C, H, W].
    public func upsampleNearestBackward(factor: Int) -> Tensor { fatalError("upsampleNearestBackward not implemented yet") }

    /// dL/dx of `input.upsampleNearest(height:width:)` for an input of `inputHeight` × `inputWidth` (torch's
    /// 'nearest' index rule), summing every output pixel into the input pixel it copied.
    public func upsampleNearestBackward(inputHeight: Int, inputWidth: Int) -> Tensor {
        fatalError("upsampleNearestBackward(inputHeight:inputWidth:) not implemented yet")
    }

    /// Embedding backward: adds row i of self ([n, D]) to row `indices[i]` of `target` ([V, D]).
    public func scatterAddRows(_ indices: [Int], into target: Tensor) {
        fatalError("scatterAddRows not implemented yet")
    }
}
