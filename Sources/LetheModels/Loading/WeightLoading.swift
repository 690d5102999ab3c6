/// How a model's float32 weights get from a safetensors file into memory.
public enum WeightLoading: String, Sendable, CaseIterable {
    /// Every weight copied (or converted) into one owned, writable arena: what training and editing need (one
    /// buffer for the gradients' offsets, one checkpoint stream, weights the optimizer may change).
    case arena
    /// Float32 tensors used in place from the file's read-only mapping, without a copy: the pages come from the
    /// page cache, so the ranks of a node (and repeated runs) share one copy of the weights. Float16, bfloat16 and
    /// float64 tensors are still converted once, into an arena. For inference only: a mapped weight cannot be
    /// written (the mapping is read-only), and training or editing refuses such a store.
    case mapped
}
