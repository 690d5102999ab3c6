extension LearningRateSchedule {
    /// The schedules of diffusers' `get_scheduler`, by the names its training examples take (`--lr_scheduler`).
    public enum Kind: String, CaseIterable, Sendable {
        /// The base rate throughout (warmup and total steps are ignored).
        case constant
        /// Linear warmup from 0, then the base rate.
        case constantWithWarmup = "constant_with_warmup"
        /// Linear warmup, then linear decay to 0 at the last step.
        case linear
        /// Linear warmup, then a half cosine down to 0 at the last step (num_cycles 0.5, as `get_scheduler` fixes it).
        case cosine
        /// Linear warmup, then `cycles` cosine decays to 0, each restarting at the base rate; 0 from the last step on.
        case cosineWithRestarts = "cosine_with_restarts"
        /// Linear warmup, then (base − end)·(remaining fraction)^power + end; `end` after the last step.
        case polynomial

        /// The names `init(name:…)` accepts.
        public static var names: [String] { allCases.map(\.rawValue) }
    }
}
