import LetheTensor
import LetheDiffusion
import LetheDistributed
import LetheIO
import LetheModels
import LetheTelemetry

extension ForgetMeNotTrainer {
    /// `count` training images of the concept generated with the base model (the training prompt, seeds seed,
    /// seed + 1, …), shared out across ranks and gathered on every rank.
    public func generateImages(count: Int, pipeline: StableDiffusionPipeline, steps: Int, communicator: Communicator,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> ImageFolder {
        guard count >= 1 else {
            throw ErasureError.invalidSetting(Setting.generatedImages, reason: "is \(count); it must be at least 1")
        }
        // Contiguous runs, so the gathered pixels are in image order.
        let mine = communicator.share(of: count)
        var local: [UInt8] = []
        progress(0, mine.count)
        for (done, index) in mine.enumerated() {
            var request = GenerationRequest(prompt: prompt, seed: options.seed &+ UInt64(index))
            request.steps = steps
            request.height = imageSize
            request.width = imageSize
            let decoded = try Activity.measure(.generate, "generate image \(index)") { try pipeline.generate(request) }
            guard let image = try ImagePostprocessor.images(fromDecoded: decoded).first else { continue }
            local += image.pixels
            progress(done + 1, mine.count)
        }
        let perImage = imageSize * imageSize * 3
        // A rank with one image fewer waits here for a whole generation: the watchdog leaves that wait alone (a rank
        // that hangs while generating is seen by its own watchdog).
        let gathered = try Watchdog.idle {
            try communicator.allgatherv(local, counts: communicator.shares(of: count).map { $0.count * perImage })
        }
        return ImageFolder(generatedPixels: gathered, count: count, side: imageSize)
    }
}
