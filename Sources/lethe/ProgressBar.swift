import Foundation

/// A tqdm-style progress line on stderr: `label  12/50 [######....] 24% 00:13<00:41, 1.08 s/it`.
/// On a terminal it redraws one line; otherwise (logs, CI, Slurm output) it writes a line per update.
final class ProgressBar {
    private let label: String
    private var total: Int
    private let start = Date()
    private let isTerminal: Bool
    /// Units done before the clock started (a resumed job's steps): the rate and ETA count only the units after.
    private let initial: Int
    private var finished = false

    /// Starts the clock; the total may be given now or with the first update. `redraws` false: a line per update
    /// even on a terminal (several bars at once, as `lethe run`'s groups print).
    init(_ label: String, total: Int = 1, redraws: Bool = true, initial: Int = 0) {
        self.label = label
        self.total = max(total, 1)
        self.initial = max(initial, 0)
        isTerminal = redraws && isatty(STDERR_FILENO) != 0
    }

    /// Reports that `reported` of `total` units are done (`total` nil: as given before).
    func update(_ reported: Int, of newTotal: Int? = nil) {
        if let newTotal { total = max(newTotal, 1) }
        let completed = min(max(reported, 0), total)
        let elapsed = Date().timeIntervalSince(start)
        let timed = completed - min(initial, completed)
        let perUnit = timed > 0 ? elapsed / Double(timed) : 0
        // Nothing done yet since the clock started: the remaining time is not known.
        let remaining = timed > 0 ? perUnit * Double(total - completed) : .nan
        let fraction = Double(completed) / Double(total)
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = timed == 0 ? "? s/it"
            : perUnit >= 1 ? String(format: "%.2f s/it", perUnit) : String(format: "%.2f it/s", 1 / max(perUnit, 1e-9))
        let line = "\(label) \(completed)/\(total) [\(bar)] \(Int(fraction * 100))% "
            + "\(Self.clock(elapsed))<\(Self.clock(remaining)), \(rate)"
        write(isTerminal ? "\r\u{1B}[K" + line : line + "\n")
        if completed >= total { finish() }
    }

    /// Ends the redrawn line on a terminal.
    func finish() {
        guard !finished else { return }
        finished = true
        if isTerminal { write("\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// mm:ss, or h:mm:ss past an hour; "?" for a time not known yet or not finite, and ">9999:59:59" past
    /// 10,000 hours (huge step counts must not overflow the conversion or print a negative time).
    static func clock(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        guard seconds < 10_000 * 3600 else { return ">9999:59:59" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%02d:%02d", minutes, secs)
    }
}
