import Foundation
import LetheIO
import LetheModels
import LetheTensor
import Testing

/// The torch-autograd reference gradients of the tiny pipelines' text encoders and VAEs
/// (Scripts/reference/make_text_vae_gradient_fixtures.py), found from this file's path.
enum GradientFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func pipeline(_ name: String) throws -> DiffusersModelFolder {
        try DiffusersModelFolder(url: root.appendingPathComponent("pipelines/\(name)"))
    }

    /// `text-gradients-<pipeline>` or `vae-gradients-<pipeline>`.
    static func references(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.open(root.appendingPathComponent("references/\(name).safetensors"))
    }

    /// max |a − b| / max |b| over the tensor (max |a − b| when the reference is all zeros).
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        var difference = 0.0, scale = 0.0
        for (a, b) in zip(actual.toArray(), expected.toArray()) {
            difference = max(difference, abs(Double(a) - Double(b)))
            scale = max(scale, abs(Double(b)))
        }
        return scale == 0 ? difference : difference / scale
    }
}

/// Compares gradients against references with the bound max|a − b| / max|b| ≤ 1e-3 and remembers the worst.
final class GradientComparison {
    let label: String
    let bound: Double
    private(set) var worst = 0.0
    private(set) var worstName = "-"
    private(set) var compared = 0

    init(_ label: String, bound: Double = 1e-3) {
        self.label = label
        self.bound = bound
    }

    func check(_ actual: Tensor?, _ expected: Tensor, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(label) \(name): no gradient computed", sourceLocation: sourceLocation)
            return
        }
        guard actual.shape == expected.shape else {
            Issue.record("\(label) \(name): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
            return
        }
        let error = GradientFixtures.relativeError(actual, expected)
        compared += 1
        if error > worst || compared == 1 { (worst, worstName) = (error, name) }
        #expect(error <= bound, "\(label) \(name): max relative error \(error)", sourceLocation: sourceLocation)
    }

    /// A gradient torch leaves at None (a parameter the loss does not reach) must be zero.
    func expectZero(_ actual: Tensor?, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else { return }
        #expect(actual.toArray().allSatisfy { $0 == 0 }, "\(label) \(name): expected no gradient",
                sourceLocation: sourceLocation)
    }

    func report() {
        print("\(label): \(compared) gradients, worst max relative error \(String(format: "%.3e", worst)) (\(worstName))")
    }
}
