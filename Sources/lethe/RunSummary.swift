import Foundation
import LetheIO

/// What one erasure of `lethe run` came to: an entry of `summary.json` and a row of the table.
struct RunOutcome: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case done
        case failed
        /// Not finished because the job was asked to stop (a second run goes on with it).
        case stopped
    }

    var index: Int
    var name: String
    var method: String
    var concepts: [String]
    var status: Status
    var error: String?
    /// The erasure's headline figures (``ErasureReport/headlineMetrics``).
    var metrics: [String: Double] = [:]
    var seconds: Double = 0
    var group: Int
    var ranks: Int
    var output: String
    /// Finished by an earlier run with the same settings, and kept.
    var reused: Bool?
    /// The hash of the erasure's arguments (in the record a finished erasure leaves for the next run).
    var fingerprint: String?

    init(index: Int, name: String, method: String, concepts: [String], status: Status, group: Int, ranks: Int,
         output: String) {
        self.index = index
        self.name = name
        self.method = method
        self.concepts = concepts
        self.status = status
        self.group = group
        self.ranks = ranks
        self.output = output
    }
}

/// `OUTPUT/summary.json` of `lethe run`.
struct RunSummary: Codable, Sendable {
    var job: String
    var model: String
    var ranks: Int
    var groupSize: Int
    var erasures: [RunOutcome]

    /// A GitHub-flavoured Markdown table of the erasures.
    func markdown() -> String {
        var lines = ["| name | method | concepts | status | metrics | seconds | output |", "|---|---|---|---|---|---:|---|"]
        for outcome in erasures {
            let concepts = outcome.concepts.count > 3
                ? outcome.concepts.prefix(3).joined(separator: ", ") + " and \(outcome.concepts.count - 3) more"
                : outcome.concepts.joined(separator: ", ")
            var status = outcome.status.rawValue
            if outcome.reused == true { status += " (earlier run)" }
            if let error = outcome.error { status += ": " + ErrorText.capped(error, 200) }
            let cells = [outcome.name, outcome.method, ErrorText.capped(concepts, 120), status, Self.metricsText(outcome.metrics),
                         String(format: "%.1f", outcome.seconds), outcome.status == .done ? outcome.output : ""]
            lines.append("| " + cells.map(Self.cell).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// The figures a reader compares first, in a fixed order.
    static func metricsText(_ metrics: [String: Double]) -> String {
        var parts: [String] = []
        if let key = metrics["erasure_ratio_key"], let value = metrics["erasure_ratio_value"] {
            parts.append(String(format: "erasure ratio k %.4f v %.4f", key, value))
        }
        if let before = metrics["attention_mass_before"], let after = metrics["attention_mass_after"] {
            parts.append(String(format: "attention %.4f → %.4f", before, after))
        }
        if let residual = metrics["adversarial_residual"] { parts.append(String(format: "adversarial residual %.4f", residual)) }
        if let key = metrics["preserved_drift_key"], let value = metrics["preserved_drift_value"] {
            parts.append(String(format: "drift k %.4f v %.4f", key, value))
        }
        if let loss = metrics["final_loss"] { parts.append(String(format: "loss %.5f", loss)) }
        if let norm = metrics["vector_norm"] { parts.append(String(format: "vector norm %.4f", norm)) }
        return parts.joined(separator: "; ")
    }

    /// A table cell: no line breaks, and '|' escaped so it stays one cell.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }
}
