import Foundation
import LetheDistributed
import LetheErasure
import LetheIO

/// `lethe uce` and `lethe rece`: the options they share and a closed-form job made from them.
protocol ClosedFormCommand: ErasureCommand {
    var options: ClosedFormOptions { get }
    func job() throws -> ClosedFormErasureJob
}

extension ClosedFormCommand {
    var outputPath: String { options.output }
    var reportPath: String { (options.output as NSString).appendingPathComponent("erasure-report.json") }
    var concepts: [String] { options.concept }
    var inputPaths: [(role: String, path: String?)] { [("model", options.modelOption.resolved), ("--preserve-file", options.preserveFile)] }
    var overwrite: Bool { options.overwrite }

    func erase(on communicator: Communicator, console: Console) throws -> ErasureReport {
        let job = try job()
        for warning in job.uce.warnings { console.log("warning: \(warning)") }
        return try job.run(communicator: communicator, log: console.log)
    }

    func summary(_ report: ErasureReport) -> String { ClosedFormRun.summary(report, output: options.output) }

    func checkSettings() throws { _ = try job() }
}

/// What a finished UCE/RECE job says.
enum ClosedFormRun {
    static func summary(_ report: ErasureReport, output: String) -> String {
        var lines = ["\(report.method.uppercased()) on \(report.ranks) rank(s): wrote \(output) (erasure-report.json inside)"]
        for concept in report.concepts {
            // Capped: an over-long concept is cut, not refused, and may be a whole file's worth of text.
            var line = "  '\(ErrorText.capped(concept.concept))' → '\(ErrorText.capped(concept.guide ?? ""))'"
            if let ratio = concept.erasureRatio {
                line += String(format: ": erasure ratio keys %.4f, values %.4f", ratio.key, ratio.value)
            }
            if let before = concept.attentionMassBefore, let after = concept.attentionMassAfter {
                line += String(format: "; attention on its tokens %.4f → %.4f", before, after)
            }
            lines.append(line)
            for recovery in concept.recovery ?? [] {
                lines.append(String(format: "    RECE %@: adversarial residual %.4f (the prompt itself: %.4f)",
                                    recovery.epoch, recovery.adversarialResidual, recovery.promptResidual))
            }
        }
        if let drift = report.preservedDrift {
            lines.append(String(format: "  drift on %d preserved prompt(s): keys %.4f, values %.4f",
                                report.preservedPrompts?.count ?? 0, drift.key, drift.value))
        }
        let total = report.timings.values.reduce(0, +)
        let stages = report.timings.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f s", $0.key, $0.value) }
        lines.append(String(format: "  time %.2f s (", total) + stages.joined(separator: ", ") + ")")
        return lines.joined(separator: "\n")
    }
}
