import LetheTensor
import LetheDiffusion
import LetheDistributed
import LetheIO
import LetheModels

extension ForgetMeNotTrainer {
    /// `count` training images of the concept generated with the base model (the training prompt, seeds seed,
    /// seed + 1, …), shared out across ranks and gathered on every rank.
    public func generateImages(count: Int, pipeline: StableDiffusionPipeline, steps: Int, communicator: Communicator,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> ImageFolder {
        guard count >= 1 else {
            throw ErasureError.invalidSetting(Setting.generatedImages, reason: "is \(count); it must be at least 1")
        }
        let mine = Array(stride(from: communicator.rank, to: count, by: communicator.size))
        var local: [UInt8] = []
        progress(0, mine.count)
        for (done, index) in mine.enumerated() {
            var request = GenerationRequest(prompt: prompt, seed: options.seed &+ UInt64(index))
            request.steps = steps
            request.height = imageSize
            request.width = imageSize
            let decoded = try pipeline.generate(request)
            guard let image = try ImagePostprocessor.images(fromDecoded: decoded).first else { continue }
            local += image.pixels
            progress(done + 1, mine.count)
        }
        let perImage = imageSize * imageSize * 3
        let counts = (0..<communicator.size).map { rank in stride(from: rank, to: count, by: communicator.size).underestimatedCount * perImage }
        let gathered = try communicator.allgatherv(local, counts: counts)
        // Rank-major order back to image order.
        var images = [ImageRGB8?](repeating: nil, count: count)
        var offset = 0
        for rank in 0..<communicator.size {
            for index in stride(from: rank, to: count, by: communicator.size) {
                images[index] = ImageRGB8(width: imageSize, height: imageSize, pixels: Array(gathered[offset..<(offset + perImage)]))
                offset += perImage
            }
        }
        return ImageFolder(images: images.compactMap { $0 }, names: (0..<count).map { "generated-\($0).png" })
    }
}
