import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Bounds on the sizes a request may ask for, and the memory the machine can give it: the one place every
/// command checks sizes from flags and configs before anything is allocated. Sizes multiply with overflow
/// checks (`product`), so an absurd request is an error naming what was asked, never a trap or a failed
/// allocation. Errors name the setting with the caller's words (a flag, or a config file and key).
public enum ResourceBounds {
    /// The largest image side in pixels (height, width, training resolution): 16384, twice the largest Stable
    /// Diffusion image sizes in use; the memory estimate decides below that.
    public static let maximumImageSide = 16_384

    /// The product of `factors`, or nil when one is negative or the product does not fit an Int.
    public static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = value
        }
        return result
    }

    /// The sum of `terms`, or nil when one is nil or negative or the sum does not fit an Int.
    public static func sum(_ terms: [Int?]) -> Int? {
        var result = 0
        for term in terms {
            guard let term, term >= 0 else { return nil }
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return nil }
            result = value
        }
        return result
    }

    /// Throws `ResourceError.outOfRange` unless `value` lies in `range`; `unit` follows the bounds in the message
    /// ("pixels").
    public static func check(_ setting: Setting, _ value: Int, in range: ClosedRange<Int>, unit: String = "") throws {
        guard range.contains(value) else {
            throw ResourceError.outOfRange(setting: setting, value: "\(value)", minimum: range.lowerBound,
                                           maximum: range.upperBound, unit: unit)
        }
    }

    /// Bytes of memory the machine can still give this process: /proc/meminfo's MemAvailable (else the free
    /// physical pages), lowered to what is left under a cgroup v2 memory limit. nil when neither is known.
    public static func availableMemory() -> Int? {
        var available: Int?
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            available = meminfoAvailable(text)
        }
        if available == nil {
            let pages = sysconf(Int32(_SC_AVPHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
            if pages > 0, size > 0 { available = product([pages, size]) }
        }
        if let limit = cgroupRoom() { available = min(available ?? limit, limit) }
        return available
    }

    /// MemAvailable of /proc/meminfo text, in bytes.
    public static func meminfoAvailable(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return product([kibibytes, 1024])
        }
        return nil
    }

    /// memory.max − memory.current of this process's cgroup (v2), when it has a limit.
    private static func cgroupRoom() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let folder = "/sys/fs/cgroup" + line.dropFirst(3)
        func number(_ name: String) -> Int? {
            (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8))
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let limit = number("memory.max") else { return nil }   // "max": no limit
        return max(0, limit - (number("memory.current") ?? 0))
    }

    /// A byte count in binary units: "512 B", "3.2 GiB"; nil (beyond Int) as "more than 8 EiB".
    public static func formatBytes(_ bytes: Int?) -> String {
        guard let bytes else { return "more than 8 EiB" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// The memory a request needs, estimated from its sizes before anything is allocated, and checked against
/// what the machine has.
public struct MemoryEstimate: Sendable, Equatable {
    /// The request in the user's words, e.g. "4 images of 512×512 (`imagesPerPrompt`, `width`, `height`)".
    public var request: String
    /// Estimated bytes; nil when the estimate itself does not fit an Int.
    public var bytes: Int?
    /// What to lower, e.g. "lower `imagesPerPrompt`, `height` or `width`".
    public var advice: String

    public init(request: String, bytes: Int?, advice: String) {
        self.request = request
        self.bytes = bytes
        self.advice = advice
    }

    /// Throws `ResourceError.exceedsMemory` when the estimate is above `available` bytes (by default what the
    /// machine has now); an unknown amount available accepts any estimate that fits an Int.
    public func check(available: Int? = ResourceBounds.availableMemory()) throws {
        guard let bytes else {
            throw ResourceError.exceedsMemory(request: request, bytes: nil, available: available, advice: advice)
        }
        if let available, bytes > available {
            throw ResourceError.exceedsMemory(request: request, bytes: bytes, available: available, advice: advice)
        }
    }
}

/// A request beyond the sizes Lethe accepts or the memory the machine has.
public enum ResourceError: Error, CustomStringConvertible, Equatable {
    case outOfRange(setting: Setting, value: String, minimum: Int, maximum: Int, unit: String)
    case exceedsMemory(request: String, bytes: Int?, available: Int?, advice: String)

    public var description: String {
        switch self {
        case .outOfRange(let setting, let value, let minimum, let maximum, let unit):
            let suffix = unit.isEmpty ? "" : " " + unit
            return "\(setting) is \(value); it must be between \(minimum) and \(maximum)\(suffix)."
        case .exceedsMemory(let request, let bytes, let available, let advice):
            let have = available.map { ", but the machine has \(ResourceBounds.formatBytes($0)) available" } ?? ""
            let need = bytes.map { "at least \(ResourceBounds.formatBytes($0))" } ?? "more than 8 EiB"
            return "\(request) needs \(need) of memory (estimated)\(have); \(advice)."
        }
    }
}
