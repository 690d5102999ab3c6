import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The torch-autograd reference gradients of the tiny pipelines' text encoders and VAEs
/// (Scripts/reference/make_text_vae_gradient_fixtures.py: `Fixture.references("text-gradients-<pipeline>")` or
/// `"vae-gradients-<pipeline>"`), and the scale rule for their comparison.
enum GradientFixtures {
    /// The parameter whose gradient sets the scale for `name`'s, when `name`'s is zero in exact arithmetic: the key
    /// projection's bias adds q·b_k, the same for every key of a query, which the softmax ignores; so its gradient is
    /// rounding noise (about 1e-17 in torch's float64, 1e-8 in float32). It is measured against the value
    /// projection's bias gradient, a sum over the same tokens.
    static func scaleParameter(for name: String) -> String? {
        for (key, value) in [("k_proj.bias", "v_proj.bias"), ("to_k.bias", "to_v.bias"), ("key.bias", "value.bias")]
            where name.hasSuffix(key) {
            return String(name.dropLast(key.count)) + value
        }
        return nil
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

    /// Checks max|a − b| / max|b| ≤ bound; `floorScale` (see `GradientFixtures.scaleParameter(for:)`) stands in for
    /// max|b| when that is larger.
    func check(_ actual: Tensor?, _ expected: Tensor, _ name: String, floorScale: Double = 0,
               sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(label) \(name): no gradient computed", sourceLocation: sourceLocation)
            return
        }
        guard actual.shape == expected.shape else {
            Issue.record("\(label) \(name): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
            return
        }
        let error = RelativeError(actual, expected).relative(floorScale: floorScale)
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

    /// Checks a parameter's gradient against `<prefix>.grad.<name>` in `references`, with the scale rule of
    /// `GradientFixtures.scaleParameter(for:)`; a parameter torch gave no gradient must have none.
    func checkParameter(_ actual: Tensor?, _ name: String, prefix: String, references: SafeTensorsFile,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let key = "\(prefix).grad.\(name)"
        guard references.info(named: key) != nil else {
            expectZero(actual, name, sourceLocation: sourceLocation)
            return
        }
        let floor = try GradientFixtures.scaleParameter(for: name).map { scaleName in
            Double(try references.tensor(named: "\(prefix).grad.\(scaleName)").toArray().map { abs($0) }.max() ?? 0)
        } ?? 0
        check(actual, try references.tensor(named: key), name, floorScale: floor, sourceLocation: sourceLocation)
    }

    func report() {
        print("\(label): \(compared) gradients, worst max relative error \(String(format: "%.3e", worst)) (\(worstName))")
    }
}
