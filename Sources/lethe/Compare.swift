import ArgumentParser
import Foundation
import LetheErasure
import LetheIO
import LetheTensor

/// `lethe compare A B`: whether two safetensors files, two NumPy .npy files, or every safetensors file of two
/// folders, hold the same tensors within a tolerance (max |a − b| / max(max |b|, tiny) per tensor). Used to check
/// that data-parallel runs give the result of one process.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the tensors of two safetensors files, .npy files or model folders within a relative tolerance.",
        shouldDisplay: false)

    @Argument(help: "A safetensors file, a NumPy .npy file or a folder.") var first: String
    @Argument(help: "The same kind of path to compare with.") var second: String
    /// The two inputs disagree: a finding (exit 1), not a mistake in the command line (which would print usage).
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    @Option(help: "Largest allowed max|a−b| / max|b| per tensor.") var tolerance = 1e-5
    @Option(help: "For outputs with a report (erasure-report.json, NAME.report.json): largest allowed relative difference of its per-step losses, gradient norms, attention masses and vector norms.")
    var reportTolerance = 1e-5

    func run() throws {
        let pairs = try Self.files(first, second)
        var worst = 0.0
        for (a, b) in pairs {
            let left = try TensorSource(a), right = try TensorSource(b)
            guard left.names == right.names else {
                throw Mismatch(description: "'\(a)' and '\(b)' hold different tensor names")
            }
            for name in left.names {
                let x = try left.tensor(name), y = try right.tensor(name)
                guard x.shape == y.shape else { throw Mismatch(description: "'\(name)' has shape \(x.shape) in '\(a)' but \(y.shape) in '\(b)'") }
                let dx = x.contiguous(), dy = y.contiguous()
                var difference = 0.0, scale = 0.0
                for index in 0..<dx.count {
                    difference = max(difference, abs(Double(dx.pointer[index]) - Double(dy.pointer[index])))
                    scale = max(scale, abs(Double(dy.pointer[index])))
                }
                let relative = difference / max(scale, 1e-30)
                worst = max(worst, relative)
                if relative > tolerance {
                    throw Mismatch(description: "'\(name)' in '\(a)' differs from '\(b)' by \(relative) (relative), above the tolerance \(tolerance)")
                }
            }
        }
        let reports = try compareReports()
        print("compare: \(pairs.count) file(s)\(reports) agree, largest relative difference \(worst) (tolerance \(tolerance))")
    }

    /// Compares the numbers of two outputs' reports (a folder's erasure-report.json, a learned-embeddings file's
    /// NAME.report.json) when both have one; describes what was compared.
    func compareReports() throws -> String {
        func reportURL(_ path: String) -> URL {
            var isDirectory: ObjCBool = false
            let url = URL(fileURLWithPath: path)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
                ? url.appendingPathComponent("erasure-report.json") : TextualInversionJob.defaultReport(for: url)
        }
        let left = reportURL(first), right = reportURL(second)
        guard let a = try? InputFile.data(left), let b = try? InputFile.data(right) else { return "" }
        let x: ErasureReport, y: ErasureReport
        do {
            x = try ErasureReport(json: a)
            y = try ErasureReport(json: b)
        } catch {
            throw Mismatch(description: "'\(left.path)' or '\(right.path)' is not a Lethe report: \(error)")
        }
        func measures(_ report: ErasureReport) -> [(String, [Double])] {
            [("loss_per_step", report.training?.lossPerStep ?? []),
             ("gradient_norm_per_step", report.training?.gradientNormPerStep ?? []),
             ("attention_mass_before", report.concepts.compactMap(\.attentionMassBefore)),
             ("attention_mass_after", report.concepts.compactMap(\.attentionMassAfter)),
             ("vector_norms", report.concepts.flatMap { $0.vectorNorms ?? [] })]
        }
        var worst = 0.0
        for ((key, u), (_, v)) in zip(measures(x), measures(y)) {
            guard u.count == v.count else { throw Mismatch(description: "the reports differ in the length of '\(key)'") }
            for (p, q) in zip(u, v) {
                let relative = abs(p - q) / max(abs(q), 1e-30)
                worst = max(worst, relative)
                if relative > reportTolerance {
                    throw Mismatch(description: "the reports differ in '\(key)': \(p) vs \(q) (relative \(relative), tolerance \(reportTolerance))")
                }
            }
        }
        return " and the reports (largest relative difference \(worst))"
    }

    /// The file pairs: the two files, or every *.safetensors below the first folder with its twin in the second.
    static func files(_ first: String, _ second: String) throws -> [(String, String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory) else {
            throw ValidationError("'\(first)' does not exist")
        }
        guard isDirectory.boolValue else { return [(first, second)] }
        let relative = (FileManager.default.subpaths(atPath: first) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !relative.isEmpty else { throw ValidationError("'\(first)' holds no .safetensors files") }
        return relative.map { ((first as NSString).appendingPathComponent($0), (second as NSString).appendingPathComponent($0)) }
    }
}

/// The named tensors of a safetensors file, or the one array (named "array") of a NumPy .npy file.
private struct TensorSource {
    let names: [String]
    let tensor: (String) throws -> Tensor

    init(_ path: String) throws {
        if URL(fileURLWithPath: path).pathExtension.lowercased() == "npy" {
            let array = try NumPyFile.read(contentsOfFile: path)
            names = ["array"]
            tensor = { _ in array }
        } else {
            let file = try SafeTensorsFile.open(URL(fileURLWithPath: path))
            names = file.tensorNames
            tensor = { try file.tensor(named: $0) }
        }
    }
}
