import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// The tensors of `base` whose names start with `prefix`, under their names without it: one module's state dict
/// out of a fixture that holds many.
struct PrefixedSafeTensors: SafeTensorsReader {
    let base: any SafeTensorsReader
    let prefix: String

    var location: String { "\(base.location) [\(prefix)*]" }
    var tensorNames: [String] { base.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
    func info(named name: String) -> SafeTensorInfo? { base.info(named: prefix + name) }
    func tensor(named name: String) throws(SafeTensorsError) -> Tensor { try base.tensor(named: prefix + name) }
    func int64Values(named name: String) throws(SafeTensorsError) -> [Int64] { try base.int64Values(named: prefix + name) }
    func withRawBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try base.withRawBytes(named: prefix + name, body)
    }
}

/// One case of Tests/Fixtures/references/block-gradients.safetensors (Scripts/reference/make_block_gradient_fixtures.py):
/// a diffusers module's weights, inputs, upstream gradient R, output and torch's gradients of sum(output·R).
struct BlockGradientCase {
    /// The bound on max|a − b| / max|b| for outputs and gradients.
    static let bound = 1e-3

    let name: String
    let fixture: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        fixture = try Fixture.references("block-gradients")
    }

    /// A store over the case's weights (`CASE.param.*`), named as the Swift module asks for them.
    func store() -> WeightStore {
        WeightStore(checkpoint: PrefixedSafeTensors(base: fixture, prefix: "\(name).param."))
    }

    /// `CASE.KEY`.
    func tensor(_ key: String) throws -> Tensor { try fixture.tensor(named: "\(name).\(key)") }

    func input(_ key: String) throws -> Tensor { try tensor("input.\(key)") }

    var upstream: Tensor { get throws { try tensor("R") } }

    /// Compares `actual` with `CASE.KEY`, printing the measured errors.
    @discardableResult
    func expectClose(_ actual: Tensor, _ key: String, bound: Double = BlockGradientCase.bound,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let expected = try tensor(key)
        guard actual.shape == expected.shape else {
            Issue.record("\(name).\(key): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
            return .infinity
        }
        let error = RelativeError(actual, expected)
        print("\(name).\(key): \(error)")
        #expect(error.value <= bound, "\(name).\(key): \(error)", sourceLocation: sourceLocation)
        return error.value
    }

    /// Every parameter gradient in `gradients` against `CASE.GROUP.NAME`, and every such fixture gradient present in
    /// `gradients` (all parameters trained). Returns the largest relative error.
    @discardableResult
    func expectParameterGradients(_ gradients: ParameterGradients, group: String = "grad",
                                  sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let prefix = "\(name).\(group)."
        let expectedNames = Set(fixture.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
        #expect(Set(gradients.entries.map(\.name)) == expectedNames, "\(name): trained parameters differ from torch's",
                sourceLocation: sourceLocation)
        var pairs: [(name: String, actual: Tensor, expected: Tensor)] = []
        for entry in gradients.entries {
            guard let gradient = gradients.gradient(named: entry.name) else {
                Issue.record("\(name): no gradient for \(entry.name)", sourceLocation: sourceLocation)
                continue
            }
            pairs.append((entry.name, gradient, try fixture.tensor(named: prefix + entry.name)))
        }
        let worst = BlockGradientCase.expectGradientsClose(pairs, label: "\(name).\(group)", sourceLocation: sourceLocation)
        print("\(name).\(group).*: \(pairs.count) parameter gradients, worst max relative \(String(format: "%.3e", worst))")
        return worst
    }

    /// Checks each gradient's max|a − b| / max|b| against the bound. A reference that is zero in exact arithmetic
    /// (max|b| under 1e-4 of the largest gradient of the set: the key projection's bias, which shifts every score of
    /// a row alike and so leaves the softmax unchanged) has no scale of its own; its difference is measured against
    /// the largest gradient of the set instead. Returns the largest error.
    static func expectGradientsClose(_ pairs: [(name: String, actual: Tensor, expected: Tensor)], label: String,
                                     bound: Double = BlockGradientCase.bound,
                                     sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        let scale = pairs.map { Double(maxAbsolute($0.expected)) }.max() ?? 0
        var worst = 0.0
        for (name, actual, expected) in pairs {
            guard actual.shape == expected.shape else {
                Issue.record("\(label) \(name): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
                continue
            }
            let reference = Double(maxAbsolute(expected))
            let error: Double
            if reference < 1e-4 * scale {
                error = Double(maxAbsolute(actual - expected)) / scale
                print("\(label) \(name): zero gradient (max |b| \(reference)), max|a − b| / largest gradient \(String(format: "%.3e", error))")
            } else {
                error = RelativeError(actual, expected).value
            }
            worst = max(worst, error)
            #expect(error <= bound, "\(label) \(name): \(RelativeError(actual, expected)), measured \(error)",
                    sourceLocation: sourceLocation)
        }
        return worst
    }

    static func maxAbsolute(_ tensor: Tensor) -> Float {
        tensor.toArray().reduce(0) { max($0, abs($1)) }
    }
}
