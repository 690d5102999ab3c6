import LetheDiffusion
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// Rows [a, b) of a K-image request, as ranks make them under mpirun, are those rows of the whole request: every
/// random draw is the whole request's, and the models run on the rows alone. Not bit for bit: OpenBLAS's sgemm
/// rounds a row of a linear layer differently with the number of rows (the UNet's projections take B·tokens rows;
/// its convolutions, one image at a time, and the VAE give the same bits), so the UNet of a smaller batch differs
/// in the last bits (about 1e-6 relative after one call) and the steps carry that on: up to 4.6e-6 relative over
/// the decoded images here (euler-a with guidance 7.5), against a tolerance of 1e-5.
@Suite struct GenerationRowsTests {
    static let tolerance = 1e-5

    static func pipeline() throws -> StableDiffusionPipeline {
        try StableDiffusionPipeline(folder: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
    }

    static func request(_ kind: SchedulerKind, images: Int = 5) -> GenerationRequest {
        var request = GenerationRequest(prompt: "a photo of a cat", seed: 42)
        request.negativePrompt = "blurry"
        request.steps = 3
        request.scheduler = kind
        request.imagesPerPrompt = images
        return request
    }

    /// Euler-a and DDPM draw noise at each step, DDIM with eta 0 does not, DDIM with eta 0.5 does; with guidance
    /// (a UNet batch of negative then positive halves) and without.
    @Test(arguments: [(SchedulerKind.eulerAncestralDiscrete, Float(0), Float(7.5)), (.ddim, 0, 7.5), (.ddim, 0.5, 7.5),
                      (.ddpm, 0, 7.5), (.eulerAncestralDiscrete, 0, 1)])
    func rowsAreThoseOfTheWholeRequest(kind: SchedulerKind, eta: Float, guidance: Float) throws {
        let pipeline = try Self.pipeline()
        var request = Self.request(kind)
        request.eta = eta
        request.guidanceScale = guidance
        let whole = try pipeline.generate(request)
        #expect(whole.shape == [5, 3, 32, 32])
        var covered = 0
        // The runs of 5 images on 2 and on 3 ranks, and runs that start and end anywhere.
        for rows in [0..<3, 3..<5, 0..<2, 2..<4, 4..<5, 1..<4] {
            let part = try pipeline.generate(request, images: rows)
            let expected = whole.narrowed(axis: 0, start: rows.lowerBound, length: rows.count)
            let error = RelativeError(part, expected)
            print("\(kind) eta \(eta) guidance \(guidance) images \(rows): \(error)")
            #expect(error.value <= Self.tolerance, "\(kind) images \(rows): \(error)")
            covered += rows.count
        }
        #expect(covered == 13)
    }

    /// Initial latents of batch 1 are every image's: each run starts from them as the whole request does.
    @Test func sharedInitialLatentsGiveTheSameRows() throws {
        let pipeline = try Self.pipeline()
        var request = Self.request(.eulerAncestralDiscrete, images: 3)
        var generator = TorchGenerator(seed: 9)
        request.latents = generator.randn(shape: [1, 4, 8, 8])
        let whole = try pipeline.generate(request)
        let part = try pipeline.generate(request, images: 1..<3)
        #expect(RelativeError(part, whole.narrowed(axis: 0, start: 1, length: 2)).value <= Self.tolerance)
    }

    @Test func noRowsIsNoWorkAndRowsOutsideTheRequestAreNamed() throws {
        let pipeline = try Self.pipeline()
        let request = Self.request(.ddim, images: 3)
        var calls = 0
        let none = try pipeline.generate(request, images: 3..<3) { _, _ in calls += 1 }
        #expect(none.shape == [0, 3, 32, 32])
        #expect(calls == 0)
        for rows in [2..<4, -1..<1] {
            do {
                _ = try pipeline.generate(request, images: rows)
                Issue.record("images \(rows) of 3 were generated")
            } catch let error as GenerationError {
                #expect(error.description.contains("lie outside 0..<3"), "\(error)")
            }
        }
    }
}
