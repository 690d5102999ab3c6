import LetheModels
import LetheTensor
import LetheTestSupport
import LetheTraining
import Testing

@Suite("Gradient clipping against torch.nn.utils.clip_grad_norm_")
struct GradientClippingTests {
    struct Settings: Decodable { let max_norm: Double }

    /// Loads the case's input gradients and clips them; returns the norm, torch's float32 and float64 norms.
    private func clip(_ name: String) throws -> (norm: Double, torchNorm: Double, exactNorm: Double, ParameterGradients) {
        let file = try OptimizerFixtures.file()
        let (_, gradients) = try OptimizerFixtures.gradients(file)
        try OptimizerFixtures.loadGradients("\(name).input", into: gradients, from: file)
        let settings = try OptimizerFixtures.settings(name, as: Settings.self, in: file)
        let norm = gradients.clipGlobalNorm(maxNorm: settings.max_norm)
        let torchNorm = Double(try file.tensor(named: "\(name).total_norm").toArray()[0])
        let exactNorm = try OptimizerFixtures.doubles("\(name).total_norm64", in: file)[0]
        return (norm, torchNorm, exactNorm, gradients)
    }

    private func outputDistance(_ name: String, _ gradients: ParameterGradients) throws -> RelativeError {
        let file = try OptimizerFixtures.file()
        var distance = RelativeError()
        for entry in gradients.entries {
            let actual = try #require(gradients.gradient(named: entry.name))
            distance.merge(RelativeError(actual, try file.tensor(named: "\(name).output.\(entry.name)")))
        }
        return distance
    }

    @Test func clipsLargeGradientsToTheMaximumNorm() throws {
        let (norm, torchNorm, exactNorm, gradients) = try clip("clip.clipped")
        #expect(abs(norm - exactNorm) <= 1e-12 * exactNorm, "norm \(norm) vs float64 \(exactNorm)")
        #expect(abs(norm - torchNorm) <= 1e-6 * torchNorm, "norm \(norm) vs torch \(torchNorm)")
        #expect(norm > 1, "the case must clip")
        let distance = try outputDistance("clip.clipped", gradients)
        #expect(distance.value <= 1e-6, "\(distance)")
        #expect(abs(gradients.globalNorm() - 1) <= 1e-6)
    }

    /// Below the maximum the coefficient clamps to 1: gradients keep every bit.
    @Test func leavesSmallGradientsAlone() throws {
        let (norm, torchNorm, exactNorm, gradients) = try clip("clip.unclipped")
        #expect(abs(norm - exactNorm) <= 1e-12 * exactNorm)
        #expect(abs(norm - torchNorm) <= 1e-6 * torchNorm)
        #expect(try outputDistance("clip.unclipped", gradients).maxUlps == 0)
    }

    @Test func nonFiniteNormIsReturnedAndGradientsKept() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        let values = gradients.storage.base
        for index in 0..<gradients.count { values[index] = Float(index % 5) - 2 }
        values[17] = .infinity
        let before = gradients.flat.toArray()
        #expect(gradients.clipGlobalNorm(maxNorm: 1) == .infinity)
        values[17] = .nan
        #expect(gradients.clipGlobalNorm(maxNorm: 1).isNaN)
        values[17] = .infinity
        #expect(gradients.flat.toArray() == before)
    }

    /// Squares of 1e30 overflow float32 but not the double-precision sum.
    @Test func normOfHugeGradientsIsFinite() throws {
        let (_, gradients) = try OptimizerFixtures.gradients(OptimizerFixtures.file())
        let values = gradients.storage.base
        for index in 0..<gradients.count { values[index] = index.isMultiple(of: 2) ? 1e30 : -1e30 }
        let expected = 1e30 * Double(gradients.count).squareRoot()
        let norm = gradients.clipGlobalNorm(maxNorm: 2)
        #expect(abs(norm - Double(Float(1e30)) * Double(gradients.count).squareRoot()) <= 1e-12 * expected)
        #expect(abs(gradients.globalNorm() - 2) <= 1e-5)
    }
}
