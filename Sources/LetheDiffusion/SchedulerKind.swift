import Foundation

/// The scheduler classes this package implements, named as diffusers' `_class_name` names them.
public enum SchedulerKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case ddpm = "DDPMScheduler"
    case ddim = "DDIMScheduler"
    case pndm = "PNDMScheduler"
    case eulerDiscrete = "EulerDiscreteScheduler"
    case eulerAncestralDiscrete = "EulerAncestralDiscreteScheduler"

    /// The kind for a diffusers `_class_name`; other diffusers schedulers (LMSDiscreteScheduler, …) are refused.
    public init(className: String) throws {
        guard let kind = SchedulerKind(rawValue: className) else {
            throw SchedulerError.unsupportedScheduler(className: className)
        }
        self = kind
    }

    /// The kind for a user-facing name such as a `--scheduler` option: a short name (`ddpm`, `ddim`, `pndm`,
    /// `euler`, `euler-ancestral`, `euler_a`) or a diffusers class name, case-insensitively.
    public init(name: String) throws {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let kind = SchedulerKind.allCases.first(where: { $0.shortName == key || $0.rawValue.lowercased() == key }) {
            self = kind
        } else if key == "euler-a" || key == "eulera" {
            self = .eulerAncestralDiscrete
        } else {
            throw SchedulerError.unsupportedScheduler(className: name)
        }
    }

    /// The short user-facing name (`ddpm`, `ddim`, `pndm`, `euler`, `euler-ancestral`).
    public var shortName: String {
        switch self {
        case .ddpm: "ddpm"
        case .ddim: "ddim"
        case .pndm: "pndm"
        case .eulerDiscrete: "euler"
        case .eulerAncestralDiscrete: "euler-ancestral"
        }
    }

    public var description: String { rawValue }
}
