import Foundation
import LetheDistributed
import LetheModels
import LetheTensor

/// The diffusion stage's training set: `count` pictures of a dataset encoded once by the trained VAE (each rank
/// draws and encodes its share; an allgather gives every rank all of them, in index order), walked epoch after
/// epoch in a seeded order. Keeping the latent distribution (its moments), not one sample of it, lets every step
/// draw a fresh latent as diffusers' `latent_dist.sample()` does.
final class WorldEncodedSet {
    let dataset: WorldDataset
    let count: Int
    /// [count, 2·latent channels, h, w]: mean then log-variance.
    let allMoments: Tensor
    /// 1 / the standard deviation of the latents over the whole set (diffusers' guidance for a new VAE).
    let scalingFactor: Double
    private var order: (epoch: Int, items: [Int])?

    init(dataset: WorldDataset, count: Int, vae: AutoencoderKL, renderer: WorldRenderer, communicator: Communicator,
         progress: (Int, Int) -> Void) throws {
        self.dataset = dataset
        self.count = count
        let mine = communicator.share(of: count)
        let factor = vae.configuration.scaleFactor
        let latentShape = [vae.configuration.latentChannels, renderer.size / factor, renderer.size / factor]
        let perItem = 2 * latentShape.reduce(1, *)
        var local: [Float] = []
        local.reserveCapacity(mine.count * perItem)
        for start in stride(from: mine.lowerBound, to: mine.upperBound, by: 32) {
            let indices = Array(start..<min(start + 32, mine.upperBound))
            let batch = WorldImageBatch(dataset: dataset, indices: indices, renderer: renderer)
            let distribution = try vae.encode(batch.images)
            let moments = Tensor.concatenate([distribution.mean, distribution.logVariance], axis: 1)
            local += moments.contiguous().withUnsafeBufferPointer { Array($0) }
            progress(start + indices.count - mine.lowerBound, mine.count)
        }
        precondition(local.count == mine.count * perItem, "encoded moments of an unexpected size")
        let all = try communicator.allgatherv(local, counts: communicator.shares(of: count).map { $0.count * perItem })
        allMoments = Tensor(shape: [count, 2 * latentShape[0], latentShape[1], latentShape[2]], values: all)
        scalingFactor = Self.scalingFactor(allMoments)
    }

    /// 1 / std of z = μ + σ·ε over every element: E[z] = mean(μ), E[z²] = mean(μ² + σ²).
    private static func scalingFactor(_ moments: Tensor) -> Double {
        let plane = moments.count / moments.shape[0] / 2
        var (sum, sumOfSquares, n) = (0.0, 0.0, 0.0)
        for item in 0..<moments.shape[0] {
            let base = moments.pointer + item * 2 * plane
            for index in 0..<plane {
                let mu = Double(base[index]), logVariance = Double(base[plane + index])
                sum += mu
                sumOfSquares += mu * mu + Foundation.exp(logVariance)
                n += 1
            }
        }
        let mean = sum / n
        return 1 / (sumOfSquares / n - mean * mean).squareRoot()
    }

    /// The set's item that global training sample `sample` uses: epoch sample / count, in that epoch's order.
    func item(forSample sample: Int) -> Int {
        let epoch = sample / count
        if order?.epoch != epoch { order = (epoch, shuffled(epoch: epoch)) }
        return order!.items[sample % count]
    }

    /// A seeded Fisher–Yates shuffle of 0..<count.
    private func shuffled(epoch: Int) -> [Int] {
        let stream = RandomStream(seed: dataset.seed, purpose: "world.epoch-order", id: UInt64(epoch))
        var items = Array(0..<count)
        for position in stride(from: count - 1, to: 0, by: -1) {
            let other = Int(UInt64(stream.bits(at: UInt64(position))) % UInt64(position + 1))
            items.swapAt(position, other)
        }
        return items
    }

    /// The moments of `items`, stacked.
    func moments(_ items: [Int]) -> Tensor {
        let perItem = allMoments.count / count
        let result = Tensor(zeros: [items.count] + allMoments.shape.dropFirst())
        for (position, item) in items.enumerated() {
            (result.pointer + position * perItem).update(from: allMoments.pointer + item * perItem, count: perItem)
        }
        return result
    }

    func caption(_ item: Int) -> String { dataset.sample(at: item).caption }
}
