extension SchedulerConfiguration {
    /// The scheduler class `_class_name` names.
    public func schedulerKind() throws -> SchedulerKind {
        guard let className else {
            throw SchedulerError.invalidValue(key: CodingKeys.className.rawValue, value: "nothing (the key is absent)",
                                              expected: "a scheduler class name such as \"PNDMScheduler\"")
        }
        return try SchedulerKind(className: className)
    }

    /// The scheduler this configuration was written for (its `_class_name`).
    public func makeScheduler() throws -> any Scheduler {
        try makeScheduler(as: schedulerKind())
    }

    /// A scheduler of another class from the same configuration, as diffusers' `from_config` builds one: the
    /// keys the file gives carry over, keys it leaves out take `kind`'s defaults, keys `kind` lacks are ignored.
    public func makeScheduler(as kind: SchedulerKind) throws -> any Scheduler {
        switch kind {
        case .ddpm: try DDPMScheduler(configuration: self)
        case .ddim: try DDIMScheduler(configuration: self)
        case .pndm: try PNDMScheduler(configuration: self)
        case .eulerDiscrete: try EulerDiscreteScheduler(configuration: self)
        case .eulerAncestralDiscrete: try EulerAncestralDiscreteScheduler(configuration: self)
        }
    }
}
