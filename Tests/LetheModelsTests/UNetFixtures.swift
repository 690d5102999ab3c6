import Foundation
import LetheIO
import LetheModels
import LetheTensor

/// The committed tiny pipelines and their diffusers reference outputs (Tests/Fixtures, found from this file's path;
/// they are not resources of the test target).
enum UNetFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func pipeline(_ name: String) -> URL { root.appendingPathComponent("pipelines/\(name)") }

    static func references(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.open(root.appendingPathComponent("references/\(name).safetensors"))
    }

    static func folder(_ name: String) throws -> DiffusersModelFolder {
        try DiffusersModelFolder(url: pipeline(name))
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-unet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// How far an output is from its reference: the issue's max relative error max|a − b| / max|b|, and the largest
/// elementwise |a − b| / (|b| + 1e-3).
struct UNetOutputError: CustomStringConvertible {
    let maxRelative: Double
    let maxElementwise: Double
    /// max |a − b| and max |b|, the two halves of `maxRelative`.
    let largestDifference: Double
    let largestReference: Double

    init(_ actual: Tensor, _ expected: Tensor) {
        precondition(actual.shape == expected.shape, "shapes differ: \(actual.shape) vs \(expected.shape)")
        let a = actual.toArray(), b = expected.toArray()
        var largestDifference = 0.0, largestReference = 0.0, elementwise = 0.0
        for (x, y) in zip(a, b) {
            let difference = abs(Double(x) - Double(y))
            largestDifference = max(largestDifference, difference)
            largestReference = max(largestReference, abs(Double(y)))
            elementwise = max(elementwise, difference / (abs(Double(y)) + 1e-3))
        }
        maxRelative = largestDifference / largestReference
        maxElementwise = elementwise
        self.largestDifference = largestDifference
        self.largestReference = largestReference
    }

    /// max |a − b| / max(max |b|, floorScale), or max |a − b| itself when both are zero.
    func relative(floorScale: Double = 0) -> Double {
        let scale = max(largestReference, floorScale)
        return scale == 0 ? largestDifference : largestDifference / scale
    }

    var description: String {
        "max relative \(String(format: "%.3e", maxRelative)), max elementwise \(String(format: "%.3e", maxElementwise))"
    }
}
