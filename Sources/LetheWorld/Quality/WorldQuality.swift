import LetheDiffusion
import LetheIO

/// How well a model draws what the world's captions ask for, judged: for seeded single-object captions of the
/// train split (phrasings and combinations it was trained on) and of the held-out split (shape × colour × artist
/// triples it never saw), the share of images showing the prompted shape, the prompted colour and, where the
/// caption names one, the prompted artist.
public struct WorldQuality: Sendable {
    public var prompts = 32
    public var imagesPerPrompt = 2
    public var steps = 20
    public var guidanceScale: Float = 5
    public var seed: UInt64 = 0

    public init() {}

    /// The rates of one prompt set.
    public struct Rates: Sendable, Codable, Equatable {
        public var shape: Double
        public var color: Double
        /// Over the images whose caption names an artist.
        public var artist: Double
        public var images: Int
    }

    /// `prompts` single-object samples of `split` (seeded), as (caption, sample).
    public func samples(_ split: WorldSplit) -> [WorldSample] {
        let dataset = WorldDataset(seed: seed &+ 1000, split: split)
        var chosen: [WorldSample] = []
        var index = 0
        while chosen.count < prompts {
            let sample = dataset.sample(at: index)
            if sample.objects.count == 1 { chosen.append(sample) }
            index += 1
        }
        return chosen
    }

    /// Draws and judges the prompts of `split`; `progress(done, total)` after each prompt.
    public func measure(_ split: WorldSplit, pipeline: StableDiffusionPipeline, judge: WorldJudge,
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> Rates {
        let chosen = samples(split)
        var (shape, color, artist, named, total) = (0, 0, 0, 0, 0)
        for (index, sample) in chosen.enumerated() {
            var request = GenerationRequest(prompt: sample.caption, seed: seed &+ UInt64(index))
            request.steps = steps
            request.guidanceScale = guidanceScale
            request.scheduler = .ddim
            request.imagesPerPrompt = imagesPerPrompt
            let verdicts = try judge.predict(try ImagePostprocessor.images(fromDecoded: try pipeline.generate(request)))
            let namesArtist = sample.phrasing != .plain
            for verdict in verdicts {
                total += 1
                if WorldConcept.shape(sample.shape).isShown(in: verdict) { shape += 1 }
                if WorldConcept.color(sample.color).isShown(in: verdict) { color += 1 }
                if namesArtist {
                    named += 1
                    if WorldConcept.artist(sample.artist).isShown(in: verdict) { artist += 1 }
                }
            }
            progress(index + 1, chosen.count)
        }
        return Rates(shape: Double(shape) / Double(max(total, 1)), color: Double(color) / Double(max(total, 1)),
                     artist: Double(artist) / Double(max(named, 1)), images: total)
    }
}
