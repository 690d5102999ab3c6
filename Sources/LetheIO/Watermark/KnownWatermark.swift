import Foundation

/// Marks that image generators are known to embed with the `dwtDct` method, which `lethe watermark detect`
/// looks for when not told a length.
public struct KnownWatermark: Sendable {
    /// A short name for output (`lethe`, `sd1`, ...).
    public let name: String
    /// Who writes it.
    public let origin: String
    public let mark: InvisibleWatermark

    public init(name: String, origin: String, mark: InvisibleWatermark) {
        self.name = name
        self.origin = origin
        self.mark = mark
    }

    /// Lethe's default mark, written by `lethe generate` and `lethe demo` unless told otherwise.
    public static let letheText = "Lethe"

    /// A mark counts as found when agreeing on as many of its bits by chance, as if each bit were a fair coin,
    /// is less likely than this (for Lethe's 40-bit mark: 32 bits or more). Not every bit of a mark survives even
    /// unharmed: the method moves the largest coefficient of a block, and where that makes another one the largest
    /// the block reads by luck, mostly as 1 (see README, "Watermarks").
    public static let foundChance = 1e-4

    public static let all: [KnownWatermark] = [
        known("lethe", "Lethe (lethe generate, lethe demo)", text: letheText),
        known("sd1", "Stable Diffusion 1 scripts (txt2img.py)", text: "StableDiffusionV1"),
        known("sd2", "Stable Diffusion 2 scripts (txt2img.py)", text: "SDV2"),
        // Stability AI's generative-models scripts write the 48 bits 0xB3EC907BB19E. (diffusers' SDXL pipeline
        // embeds the same bits, but into float pixels in RGB order where the package expects BGR.)
        KnownWatermark(name: "sdxl", origin: "SDXL (Stability AI's generative-models scripts)",
                       mark: InvisibleWatermark(constant: [0xB3, 0xEC, 0x90, 0x7B, 0xB1, 0x9E])),
    ]

    private static func known(_ name: String, _ origin: String, text: String) -> KnownWatermark {
        KnownWatermark(name: name, origin: origin, mark: InvisibleWatermark(constant: Array(text.utf8)))
    }

    /// How well a known mark's bits agree with what an image carries.
    public struct Match: Sendable {
        public let known: KnownWatermark
        public let agreeing: Int
        /// Whether this mark is the one the image carries: the closest match, and beyond chance.
        public let isFound: Bool
        public var chance: Double { known.chance(agreeing: agreeing) }
    }

    /// Each known mark the image is large enough to carry, read from `image` and compared, best (least likely by
    /// chance) first. At most the best is found: marks written as text share bits (every ASCII byte starts with
    /// 0, most with 01), so an image carrying one text mark agrees with another beyond chance (Lethe's mark
    /// reads as 93 of SD 1's 136 bits). Throws when the image is too small for any mark.
    public static func matches(in image: ImageRGB8, source: String = "the image") throws(WatermarkError) -> [Match] {
        var compared: [(known: KnownWatermark, agreeing: Int)] = []
        for known in all where known.mark.fits(width: image.width, height: image.height) {
            let reading = try InvisibleWatermark.read(image, length: known.mark.bits.count, source: source)
            compared.append((known, reading.agreement(with: known.mark)))
        }
        guard !compared.isEmpty else {
            // Not even the shortest mark fits: let the reader's own check say why.
            _ = try InvisibleWatermark.read(image, length: all.map(\.mark.bits.count).min() ?? 1, source: source)
            return []
        }
        compared.sort { $0.known.chance(agreeing: $0.agreeing) < $1.known.chance(agreeing: $1.agreeing) }
        return compared.enumerated().map { index, match in
            Match(known: match.known, agreeing: match.agreeing, isFound: index == 0 && match.known.isFound(agreeing: match.agreeing))
        }
    }

    /// The chance of at least `agreeing` of the mark's bits agreeing if each were a fair coin toss.
    public func chance(agreeing: Int) -> Double {
        Self.binomialTail(atLeast: agreeing, of: mark.bits.count)
    }

    /// Whether `agreeing` of the mark's bits is enough to call it found.
    public func isFound(agreeing: Int) -> Bool { Self.isFound(agreeing: agreeing, of: mark.bits.count) }

    /// Whether `agreeing` of a `bits`-bit mark's bits is enough to call it found.
    public static func isFound(agreeing: Int, of bits: Int) -> Bool {
        binomialTail(atLeast: agreeing, of: bits) < foundChance
    }

    /// P(X ≥ k) for X ~ Binomial(n, 1/2), summed in logarithms so that long marks do not overflow.
    static func binomialTail(atLeast k: Int, of n: Int) -> Double {
        guard k > 0 else { return 1 }
        guard k <= n else { return 0 }
        // log P(X = i), from log P(X = 0) = n log ½ by P(X = i + 1) = P(X = i) · (n − i) / (i + 1).
        var logTerm = Double(n) * log(0.5)
        var sum = 0.0
        for i in 0...n {
            if i >= k { sum += exp(logTerm) }
            logTerm += log(Double(n - i)) - log(Double(i + 1))
        }
        return sum
    }
}
