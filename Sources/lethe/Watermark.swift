import ArgumentParser
import Foundation
import LetheCheckpoint
import LetheIO

/// `lethe watermark`: the invisible mark Stable Diffusion's scripts and Lethe put on generated images.
struct Watermark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find or embed invisible watermarks (the invisible-watermark package's dwtDct method).",
        discussion: """
            The mark Stable Diffusion's own scripts embed (the invisible-watermark package's dwtDct method), \
            byte-compatible with that package both ways. lethe generate and lethe demo mark the PNGs they write \
            with "\(KnownWatermark.letheText)" unless told otherwise (--watermark TEXT, --no-watermark). Images \
            need at least 65536 pixels (e.g. 256 x 256).
            """,
        subcommands: [WatermarkDetect.self, WatermarkEmbed.self])
}

/// `lethe watermark detect`: what marks images carry.
struct WatermarkDetect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Report the invisible watermark in PNG or JPEG images.",
        discussion: """
            Without --length or --text-length, each image is compared with the marks known to be written: \
            \(KnownWatermark.all.map { "\($0.name) (\($0.origin), \($0.mark.bits.count) bits)" }.joined(separator: ", ")). \
            The closest is found when as many of its bits agree as fair coin tosses would match with a chance \
            under \(KnownWatermark.foundChance) (32 of Lethe's 40); the others are listed as not found (text marks \
            share bits, so one text mark agrees with another beyond chance). With --length BITS (or --text-length BYTES, for a \
            text mark such as a --watermark of lethe generate) the bits read are printed, with their bytes and text \
            when they make some, and the weakest bit's share of its votes (1: every block agreed). An image that \
            cannot be read is named on stderr, the others are still reported, and the exit status is 1.
            """)

    @Argument(help: ArgumentHelp("PNG or JPEG images.", valueName: "image"))
    var images: [String]

    @Option(help: ArgumentHelp("Read this many bits (the package's 'bits' type and WatermarkDecoder length).", valueName: "bits"))
    var length: Int?

    @Option(name: .customLong("text-length"), help: ArgumentHelp("Read a text mark of this many UTF-8 bytes (the package's 'bytes' type).", valueName: "bytes"))
    var textLength: Int?

    @Flag(help: "Print one JSON object per image and line.")
    var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
        if length != nil, textLength != nil { throw ValidationError("give --length or --text-length, not both") }
        if let length, !(1...65536).contains(length) { throw ValidationError("--length must be between 1 and 65536 bits, got \(length)") }
        if let textLength, !(1...8192).contains(textLength) {
            throw ValidationError("--text-length must be between 1 and 8192 bytes, got \(textLength)")
        }
    }

    func run() throws {
        var failures = 0
        for path in images {
            do {
                let report = try makeReport(try ImageRGB8(contentsOfFile: path), path: path)
                if json {
                    print(try DocumentJSON.line(report))
                } else {
                    print(report.text)
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func makeReport(_ image: ImageRGB8, path: String) throws -> DetectReport {
        var report = DetectReport(image: path, width: image.width, height: image.height)
        if let bits = length ?? textLength.map({ $0 * 8 }) {
            let reading = try InvisibleWatermark.read(image, length: bits, source: path)
            report.reading = .init(length: bits, bits: reading.bits.map(String.init).joined(),
                                   hex: reading.bytes.map { SHA256Hex.hex($0) },
                                   text: reading.text, weakestMajority: reading.weakestMajority)
        } else {
            report.marks = try KnownWatermark.matches(in: image, source: path).map { match in
                .init(name: match.known.name, origin: match.known.origin, text: match.known.mark.text,
                      bits: match.known.mark.bits.count, agreeing: match.agreeing, chance: match.chance, found: match.isFound)
            }
        }
        return report
    }
}

/// One image's line of `lethe watermark detect`.
struct DetectReport: Encodable {
    struct Mark: Encodable {
        var name: String
        var origin: String
        var text: String?
        var bits: Int
        var agreeing: Int
        var chance: Double
        var found: Bool
    }

    struct Reading: Encodable {
        var length: Int
        var bits: String
        var hex: String?
        var text: String?
        var weakestMajority: Double
    }

    var image: String
    var width: Int
    var height: Int
    /// Known marks compared, most likely first (without a length).
    var marks: [Mark]?
    /// What was read (with a length).
    var reading: Reading?

    var text: String {
        if let reading {
            var line = "\(image): \(reading.length) bits \(reading.bits)"
            if let hex = reading.hex { line += ", bytes \(hex)" }
            if let text = reading.text { line += ", text \(text.debugDescription)" }
            return line + String(format: ", weakest bit %.0f %% of its votes", 100 * reading.weakestMajority)
        }
        func describe(_ mark: Mark) -> String {
            "\(mark.name)\(mark.text.map { " \($0.debugDescription)" } ?? "") (\(mark.origin)): \(mark.agreeing) of "
                + "\(mark.bits) bits agree" + String(format: ", chance %.1g", mark.chance)
        }
        let found = (marks ?? []).filter(\.found)
        if !found.isEmpty { return "\(image): found " + found.map(describe).joined(separator: "; ") }
        guard let closest = marks?.first else { return "\(image): no known mark fits this image" }
        return "\(image): no known mark (closest: \(describe(closest)))"
    }
}
