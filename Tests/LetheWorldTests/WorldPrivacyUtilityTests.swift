import Foundation
import LetheDistributed
import LetheErasure
import LetheTensor
import LetheWorld
import Testing

@Suite("lethe world privacy: the privacy–utility table", .serialized)
struct WorldPrivacyUtilityTests {
    @Test("The private pictures are single-object samples of the concept's train split, the smaller sets the first of the larger")
    func privateSamplesShowTheConcept() {
        for concept in [WorldConcept.shape(.heart), .color(.cyan), .artist(.miraKestrel)] {
            let utility = WorldPrivacyUtility(concept: concept)
            let samples = utility.privateSamples(count: 40)
            #expect(samples.count == 40)
            for sample in samples {
                #expect(sample.objects.count == 1 && sample.split == .train)
                switch concept {
                case .shape(let shape): #expect(sample.shape == shape)
                case .color(let color): #expect(sample.color == color)
                case .artist(let artist): #expect(sample.artist == artist)
                }
            }
            #expect(Set(samples.map(\.index)).count == 40, "distinct samples")
            #expect(Array(samples.prefix(10)) == utility.privateSamples(count: 10))
            var reseeded = utility
            reseeded.drawing.seed = 1
            #expect(reseeded.privateSamples(count: 10) != utility.privateSamples(count: 10))
        }
    }

    @Test("The untrained row's captions put the starting word in place of the concept's, taken literally")
    func replacementIsLiteral() {
        #expect(WorldEvaluation.inversionCaptions(["a drawing of a ring, red"], concept: .shape(.ring), replacement: "shape")
                == ["a drawing of a shape, red"])
        #expect(WorldEvaluation.inversionCaptions(["a red star"], concept: .shape(.star), replacement: "$0\\1")
                == ["a red $0\\1"])
    }

    @Test("A small table: the bounding rows, a run without privacy and one at ε 1 whose report states (ε, δ) and σ")
    func smallTable() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-privacy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        var utility = WorldPrivacyUtility(concept: .shape(.triangle))
        utility.imageCounts = [8]
        utility.epsilons = [1]
        utility.steps = 20
        utility.batchSize = 4
        utility.prompts = 4
        utility.privacySeed = 1
        let result = try BLASThreads.with(1) {
            try utility.run(model: try #require(WorldDefaultModel.bundledFolder), judge: try WorldJudge.bundled(),
                            output: output, communicator: Communicator.singleProcess())
        }
        #expect(result.rows.map(\.label) == ["the word 'triangle'", "untrained token ('shape')", "8 images, no privacy", "8 images, ε = 1"])
        #expect(result.rows[0].rate >= 0.75, "the model draws triangles when asked: \(result.rows[0])")
        #expect(result.rows[0].images == nil && result.rows[0].epsilon == nil && result.rows[2].epsilon == nil)
        #expect(result.rows.allSatisfy { (0...1).contains($0.rate) })
        let private1 = result.rows[3]
        let epsilon = try #require(private1.epsilon)
        #expect(epsilon <= 1 && epsilon > 0.9, "ε spent close to the target, never above: \(epsilon)")
        #expect(private1.delta == 1.0 / 80 && private1.targetEpsilon == 1 && (private1.noiseMultiplier ?? 0) > 1)
        #expect(result.captions.allSatisfy { $0.contains("<triangle>") && !$0.contains(" triangle") })
        for file in ["privacy.json", "privacy.md", "privacy-triangle.png", "embeddings/8-images-epsilon-1.safetensors",
                     "embeddings/8-images-no-privacy.safetensors", "images-8/0007.png"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
        let written = try JSONDecoder().decode(WorldPrivacyUtility.Result.self,
                                               from: Data(contentsOf: output.appendingPathComponent("privacy.json")))
        #expect(written == result)
        let table = WorldPrivacyUtility.table(result)
        #expect(table.count == 2 + result.rows.count && table[5].hasPrefix("| 8 images, ε = 1 | 8 | 0.99"))
    }
}
