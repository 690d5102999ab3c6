import Foundation
import LetheDistributed
import LetheErasure
import LetheTensor
import LetheTestSupport
import Testing

/// Properties of the closed form that hold whatever the weights: the normal equations, and edits that must change
/// nothing.
@Suite struct ClosedFormEditTests {
    /// Random float64 rows with a fixed seed.
    static func random(_ rows: Int, _ columns: Int, seed: UInt64) throws -> DoubleMatrix {
        let values = RandomStream(seed: seed, purpose: "closed-form-test", id: 0).normalTensor(shape: [rows, columns])
        return try DoubleMatrix(values)
    }

    /// An edit of width 6 with one erase pair of `rows` rows (4: the replace edit forms M whole; 1: a rank-1 update).
    static func edit(technique: EditTechnique, identity: Bool = false, rows: Int = 4) throws -> ClosedFormEdit {
        let hidden = 6
        let concept = try random(rows, hidden, seed: 1)
        let guide = identity ? concept : try random(rows, hidden, seed: 2)
        var preserveGram = DoubleMatrix(rows: hidden, columns: hidden)
        try preserveGram.addGram(of: random(9, hidden, seed: 3))
        return ClosedFormEdit(
            lambda: 0.5, eraseScale: 1, preserveScale: 0.3, technique: technique,
            pairs: [try ClosedFormEdit.ErasePair(concept: concept, guide: guide)], preserveGram: preserveGram)
    }

    @Test(arguments: EditTechnique.allCases, [4, 1])
    func editSolvesTheNormalEquations(_ technique: EditTechnique, rows: Int) throws {
        // W′ (λI + s_e Σ c cᵀ + s_p Σ p pᵀ) = λW + s_e Σ v* cᵀ + s_p W Σ p pᵀ, with v* built here from its definition.
        let edit = try Self.edit(technique: technique, rows: rows)
        let weight = try Self.random(5, 6, seed: 4)
        let edited = try edit.solver().edited(weight)
        let pair = edit.pairs[0]
        var normal = edit.preserveGram.scaled(by: edit.preserveScale)
        normal.addToDiagonal(edit.lambda)
        try normal.addProduct(pair.concept, pair.concept, transposingLeft: true, scale: edit.eraseScale)
        var targets = try pair.guide.multiplied(by: weight.transposed())
        if technique == .tensor {
            var unit = try pair.concept.multiplied(by: weight.transposed())
            unit.scale(by: 1 / unit.frobeniusNorm)
            let along = zip(unit.elements, targets.elements).reduce(0) { $0 + $1.0 * $1.1 }
            try targets.add(unit, scaledBy: -along)
        }
        var right = weight.scaled(by: edit.lambda)
        try right.addProduct(targets, pair.concept, transposingLeft: true, scale: edit.eraseScale)
        try right.addProduct(weight, edit.preserveGram, scale: edit.preserveScale)
        let left = try edited.multiplied(by: normal)
        let residual = RelativeError(left, right).value
        #expect(residual < 1e-12, "normal-equation residual \(residual)")
        #expect(try edited.maxAbsoluteDifference(weight) > 1e-3, "the edit changed nothing")
    }

    @Test(arguments: EditTechnique.allCases)
    func guideEqualToConceptLeavesReplaceUnchanged(_ technique: EditTechnique) throws {
        // replace with guide = concept: v* = W c, so W itself solves the normal equations.
        guard technique == .replace else { return }
        let edit = try Self.edit(technique: technique, identity: true)
        let weight = try Self.random(5, 6, seed: 4)
        let edited = try edit.solver().edited(weight)
        #expect(try edited.maxAbsoluteDifference(weight) < 1e-12)
    }

    @Test func guideEqualToConceptLeavesTheModelUnchanged() throws {
        // Through the whole job on the tiny model: every projection comes back within float32 rounding.
        var settings = UCESettings(concepts: ["Van Gogh"], guides: ["Van Gogh"], preserve: ["a photo of a dog"])
        settings.technique = .replace
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-identity-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var job = ClosedFormErasureJob(model: Fixture.pipeline("sd1-tiny"), uce: settings, rece: nil, output: output)
        job.probe = nil
        let report = try job.run(communicator: .singleProcess())
        let before = try ClosedFormProjectionsFixture(folder: Fixture.pipeline("sd1-tiny"))
        let after = try ClosedFormProjectionsFixture(folder: output)
        for (old, new) in zip(before.projections.projections, after.projections.projections) {
            let error = RelativeError(new.weight, old.weight).value
            #expect(error < 1e-6, "\(old.name) changed by \(error)")
        }
        let drift = try #require(report.preservedDrift)
        #expect(drift.key < 1e-6 && drift.value < 1e-6)
    }

    @Test func zeroEraseScaleAndNoPreservedPromptsKeepsTheWeights() throws {
        // λW (λI)⁻¹ = W: with the erase terms switched off and nothing preserved the edit is the identity.
        var edit = try Self.edit(technique: .tensor)
        edit.eraseScale = 0
        edit.preserveScale = 0
        let weight = try Self.random(5, 6, seed: 7)
        #expect(try edit.solver().edited(weight).maxAbsoluteDifference(weight) < 1e-12)
    }
}
