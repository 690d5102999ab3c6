import Foundation
import LetheDistributed
import LetheErasure
import LetheIO

/// Runs a UCE/RECE job on every rank and prints its summary on rank 0.
enum ClosedFormRun {
    static func run(_ job: ClosedFormErasureJob) throws {
        let world = try Communicator.world()
        let log: (String) -> Void = { line in
            if world.rank == 0 { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
        }
        for warning in job.uce.warnings { log("warning: \(warning)") }
        let report = try job.run(communicator: world, log: log)
        guard world.rank == 0 else { return }
        print(summary(report, output: job.output.path))
    }

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
