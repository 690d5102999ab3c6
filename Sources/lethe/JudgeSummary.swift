import Foundation
import LetheWorld

/// How `lethe judge` words its verdicts: a line per image, a JSON object per image, and the counts per label.
struct JudgeSummary {
    private(set) var images = 0
    private var shapes: [String: Int] = [:]
    private var colors: [String: Int] = [:]
    private var artists: [String: Int] = [:]

    /// Counts what the judge saw in one more image (no shape or colour above 0.5 counts as "none").
    mutating func add(_ prediction: WorldJudgePrediction) {
        images += 1
        for label in prediction.shape.present.isEmpty ? ["none"] : prediction.shape.present { shapes[label, default: 0] += 1 }
        for label in prediction.color.present.isEmpty ? ["none"] : prediction.color.present { colors[label, default: 0] += 1 }
        artists[prediction.artist.top, default: 0] += 1
    }

    /// `images: N`, then per head its labels by count (most first, then by name).
    var text: String {
        func counts(_ table: [String: Int]) -> String {
            table.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return "\(images) image\(images == 1 ? "" : "s")\n  shapes:  \(counts(shapes))\n  colours: \(counts(colors))\n"
            + "  artists: \(counts(artists))"
    }

    /// `FILE: shapes star 0.98; colours red 0.99, blue 0.97; artist Ilse Varga 0.95`. A multi-label head with no
    /// label above 0.5 shows "none" and its most probable label in brackets.
    static func line(image: String, _ prediction: WorldJudgePrediction) -> String {
        func present(_ head: JudgeHeadPrediction) -> String {
            let indices = head.presentIndices.sorted { head.probabilities[$0] > head.probabilities[$1] }
            guard !indices.isEmpty else { return String(format: "none (%@ %.2f)", head.top, head.probabilities[head.topIndex]) }
            return indices.map { String(format: "%@ %.2f", head.labels[$0], head.probabilities[$0]) }.joined(separator: ", ")
        }
        let artist = prediction.artist
        return "\(image): shapes \(present(prediction.shape)); colours \(present(prediction.color)); "
            + String(format: "artist %@ %.2f", artist.top, artist.probabilities[artist.topIndex])
    }

    /// One compact JSON object (keys sorted): image, shape, color, artist, shapes, colors, probabilities.
    static func jsonLine(image: String, _ prediction: WorldJudgePrediction) throws -> String {
        struct Line: Encodable {
            let image, shape, color, artist: String
            let shapes, colors: [String]
            let probabilities: [String: [String: Double]]
        }
        func table(_ head: JudgeHeadPrediction) -> [String: Double] {
            // Four decimals: the judge's float32 probabilities carry no more that means anything.
            Dictionary(uniqueKeysWithValues: zip(head.labels, head.probabilities.map { ($0 * 10_000).rounded() / 10_000 }))
        }
        let line = Line(image: image, shape: prediction.shape.top, color: prediction.color.top, artist: prediction.artist.top,
                        shapes: prediction.shape.present, colors: prediction.color.present,
                        probabilities: ["shape": table(prediction.shape), "color": table(prediction.color),
                                        "artist": table(prediction.artist)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }
}
