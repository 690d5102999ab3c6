import LetheDiffusion
import LetheDistributed
import LetheIO
import LetheTelemetry
import LetheTensor

/// How the demo and eval draw a caption set: one image per caption, caption i from seed + i, 20-step DDIM by
/// default, the images shared out across ranks (contiguous runs) and gathered on every rank, so every rank ends
/// with the same images whatever the rank count.
public struct WorldDrawing: Sendable {
    public var steps = 20
    public var guidanceScale: Float = 5
    public var seed: UInt64 = 0

    public init() {}

    /// The request of caption `index` (or of the prompt embeddings standing for it).
    public func request(_ caption: String, index: Int, embeddings: Tensor? = nil) -> GenerationRequest {
        var request = GenerationRequest(prompt: caption, seed: seed &+ UInt64(index))
        request.steps = steps
        request.guidanceScale = guidanceScale
        request.scheduler = .ddim
        request.promptEmbeddings = embeddings
        return request
    }

    /// The images of `captions` (with `embeddings[i]` in place of caption i's when given), shared out over
    /// `communicator`; `progress()` after each image this rank draws.
    public func images(_ captions: [String], embeddings: [Tensor]? = nil, pipeline: StableDiffusionPipeline,
                       communicator: Communicator, progress: () -> Void = {}) throws -> [ImageRGB8] {
        // Every image has the model's native size (no request sets one).
        guard let width = pipeline.nativeImageSize.width, let height = pipeline.nativeImageSize.height else {
            throw GenerationError.unsupportedModel(reason: "The model's image size (sample_size × the VAE's scale factor) does not fit")
        }
        let perImage = width * height * 3
        var local: [UInt8] = []
        for index in communicator.share(of: captions.count) {
            let decoded = try Activity.measure(.generate, "generate image \(index)") {
                try pipeline.generate(request(captions[index], index: index, embeddings: embeddings?[index]))
            }
            local += try ImagePostprocessor.images(fromDecoded: decoded)[0].pixels
            progress()
        }
        // A rank with one image fewer waits here for a whole generation: the watchdog leaves that wait alone.
        let gathered = try Watchdog.idle {
            try communicator.allgatherv(local, counts: communicator.shares(of: captions.count).map { $0.count * perImage })
        }
        return (0..<captions.count).map {
            ImageRGB8(width: width, height: height, pixels: Array(gathered[($0 * perImage)..<(($0 + 1) * perImage)]))
        }
    }
}
