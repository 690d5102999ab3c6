import LetheDistributed
import LetheTensor

/// The key/value projections through a chain of closed-form edits (UCE, then RECE's epochs).
///
/// A `replace` edit is a right-multiplication W ← W·M with the same M for every projection, so a run of them keeps
/// the weights at W₀·M₁⋯M_k: the chain multiplies the d×d factors and writes W₀·M into the projections once, at the
/// end, and RECE's Gram sums become Mᵀ S₀ M and Mᵀ S₀ for S₀ = Σ W₀ᵀW₀ (computed once, and only for RECE).
/// A `tensor` edit depends on each W, so it first writes the pending factor out and then edits the projections.
///
/// Every step is computed the same way on every rank (sums in projection order, one owner per projection), so the
/// weights are bitwise identical for any number of ranks.
public final class ProjectionEditChain {
    public let projections: CrossAttentionProjections
    public let communicator: Communicator
    /// The projections before the first edit, in float64.
    public let original: [DoubleMatrix]
    private var cachedOriginalGram: DoubleMatrix?
    /// M with current weights W₀·M; nil once the projections hold the current weights themselves.
    private var pendingFactor: DoubleMatrix?

    public init(projections: CrossAttentionProjections, communicator: Communicator) throws {
        self.projections = projections
        self.communicator = communicator
        original = try projections.snapshot()
        pendingFactor = DoubleMatrix.identity(projections.hiddenSize)
    }

    /// Applies one edit to every projection.
    public func apply(_ solver: ClosedFormEdit.Solver) throws {
        if let factor = pendingFactor, let replace = solver.replace {
            pendingFactor = try replace.applied(to: factor)
            return
        }
        try materialize()
        try solver.apply(to: projections, communicator: communicator)
    }

    /// Σ WᵀW, Σ WᵀW₀ and Σ W₀ᵀW₀ for the current weights.
    public func grams() throws -> AdversarialEmbedding.Grams {
        let hidden = projections.hiddenSize
        let originalGram = try originalGram()
        if let factor = pendingFactor {
            let crossTransposed = try originalGram.multiplied(by: factor)  // S₀M = (MᵀS₀)ᵀ
            var edited = DoubleMatrix(rows: hidden, columns: hidden)
            try edited.addProduct(factor, crossTransposed, transposingLeft: true)
            return AdversarialEmbedding.Grams(edited: edited, cross: crossTransposed.transposed(), original: originalGram)
        }
        let block = hidden * hidden
        let original = self.original
        let sum = try communicator.orderedSum(count: original.count, length: 2 * block) { index in
            let current = try DoubleMatrix(projections.projections[index].weight)
            var edited = DoubleMatrix(rows: hidden, columns: hidden)
            try edited.addGram(of: current)
            var cross = DoubleMatrix(rows: hidden, columns: hidden)
            try cross.addProduct(current, original[index], transposingLeft: true)
            return edited.elements + cross.elements
        }
        return AdversarialEmbedding.Grams(
            edited: try DoubleMatrix(rows: hidden, columns: hidden, elements: Array(sum[0..<block])),
            cross: try DoubleMatrix(rows: hidden, columns: hidden, elements: Array(sum[block...])),
            original: originalGram)
    }

    /// Σ W₀ᵀW₀ over every projection, summed in projection order (computed once, when RECE first needs it).
    public func originalGram() throws -> DoubleMatrix {
        if let cachedOriginalGram { return cachedOriginalGram }
        let hidden = projections.hiddenSize
        let original = self.original
        let sum = try communicator.orderedSum(count: original.count, length: hidden * hidden) { index in
            var gram = DoubleMatrix(rows: hidden, columns: hidden)
            try gram.addGram(of: original[index])
            return gram.elements
        }
        let gram = try DoubleMatrix(rows: hidden, columns: hidden, elements: sum)
        cachedOriginalGram = gram
        return gram
    }

    /// Writes the pending factor out: W = W₀·M for every projection, each by one rank, shared with all. The
    /// product is a float32 GEMM of the stored float32 weights with M rounded to float32 (relative error about
    /// 1e-6, well inside the float32 weights' own precision), twice as fast as float64.
    public func materialize() throws {
        guard let factor = pendingFactor else { return }
        let factor32 = factor.toTensor()
        try projections.replaceAll(communicator: communicator) { $0.weight.matmul(factor32) }
        pendingFactor = nil
    }
}
