import Foundation
import LetheIO
import LetheTestSupport
import Testing

/// Lethe's watermark against the invisible-watermark package's own output
/// (Scripts/reference/make_watermark_fixtures.py): the same covers marked the same way give the same bytes, and
/// the package's marked images read as the package reads them.
enum WatermarkFixtures {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let cover: String
        let marked: String
        let type: String
        let content: String
        let bits: String
        let decoded_bits: String
        let changed_pixels: Int
        var testDescription: String { marked }
    }

    struct Unmarked: Decodable, Sendable, CustomTestStringConvertible {
        let cover: String
        let length: Int
        let decoded_bits: String
        var testDescription: String { cover }
    }

    struct Manifest: Decodable {
        let cases: [Case]
        let unmarked: [Unmarked]
    }

    static let directory: String = {
        do {
            return try Fixture.resource("watermark", in: .module).path
        } catch {
            fatalError("the LetheIOTests resource bundle has no watermark fixtures: \(error)")
        }
    }()

    static let manifest: Manifest = {
        do {
            return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path("manifest.json"))))
        } catch {
            fatalError("cannot read the watermark fixture manifest: \(error)")
        }
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func image(_ name: String) throws -> ImageRGB8 { try ImageRGB8(contentsOfFile: path(name)) }

    /// The mark a case describes, built the way its watermark type says.
    static func mark(_ fixture: Case) throws -> InvisibleWatermark {
        switch fixture.type {
        case "bytes": return try InvisibleWatermark(text: fixture.content)
        case "bits": return try InvisibleWatermark(bitString: fixture.content)
        default: throw WatermarkError.invalidMark("unknown fixture type \(fixture.type)")
        }
    }

    static func bitString(_ bits: [UInt8]) -> String { bits.map(String.init).joined() }

    /// Pixels where any channel differs.
    static func changedPixels(_ a: ImageRGB8, _ b: ImageRGB8) -> Int {
        var count = 0
        for index in 0..<(a.width * a.height) {
            let offset = index * 3
            if a.pixels[offset] != b.pixels[offset] || a.pixels[offset + 1] != b.pixels[offset + 1]
                || a.pixels[offset + 2] != b.pixels[offset + 2] {
                count += 1
            }
        }
        return count
    }
}

@Suite("Watermark: the invisible-watermark package's fixtures")
struct WatermarkFixtureTests {
    @Test(arguments: WatermarkFixtures.manifest.cases)
    func embeddingTheCoverGivesThePackagesBytes(_ fixture: WatermarkFixtures.Case) throws {
        let cover = try WatermarkFixtures.image(fixture.cover)
        let expected = try WatermarkFixtures.image(fixture.marked)
        let mark = try WatermarkFixtures.mark(fixture)
        #expect(WatermarkFixtures.bitString(mark.bits) == fixture.bits)
        let marked = try mark.embedded(in: cover)
        #expect(marked.width == expected.width && marked.height == expected.height)
        #expect(marked.pixels == expected.pixels,
                "\(ImageFixtures.firstDifference(marked.pixels, expected.pixels, width: expected.width))")
        // The comparison is not of two unchanged covers: most pixels moved.
        let changed = WatermarkFixtures.changedPixels(marked, cover)
        #expect(changed == fixture.changed_pixels)
        #expect(changed > cover.width * cover.height / 2)
    }

    @Test(arguments: WatermarkFixtures.manifest.cases)
    func readingThePackagesImageGivesThePackagesBits(_ fixture: WatermarkFixtures.Case) throws {
        let marked = try WatermarkFixtures.image(fixture.marked)
        let reading = try InvisibleWatermark.read(marked, length: fixture.bits.count)
        #expect(WatermarkFixtures.bitString(reading.bits) == fixture.decoded_bits)
        #expect(reading.counts.allSatisfy { $0 >= 1024 / fixture.bits.count })
    }

    @Test(arguments: WatermarkFixtures.manifest.unmarked)
    func readingAnUnmarkedCoverGivesThePackagesBits(_ fixture: WatermarkFixtures.Unmarked) throws {
        let reading = try InvisibleWatermark.read(try WatermarkFixtures.image(fixture.cover), length: fixture.length)
        #expect(WatermarkFixtures.bitString(reading.bits) == fixture.decoded_bits)
    }

    @Test func detectionFindsEachKnownMarkThePackageWroteAndNoneOnTheCovers() throws {
        for fixture in WatermarkFixtures.manifest.cases {
            let expected = try #require(KnownWatermark.all.first { $0.mark == (try? WatermarkFixtures.mark(fixture)) })
            let matches = try KnownWatermark.matches(in: try WatermarkFixtures.image(fixture.marked))
            let found = matches.filter(\.isFound).map(\.known.name)
            // Found where the package itself reads back enough of its mark (not on every fixture: see the manifest).
            let agreeing = zip(fixture.bits, fixture.decoded_bits).filter { $0 == $1 }.count
            #expect(found == (expected.isFound(agreeing: agreeing) ? [expected.name] : []), "\(fixture.marked)")
            #expect(matches.first { $0.known.name == expected.name }?.agreeing == agreeing)
        }
        #expect(WatermarkFixtures.manifest.cases.contains { fixture in
            (try? KnownWatermark.matches(in: WatermarkFixtures.image(fixture.marked)).first?.isFound) == true
        })
        for cover in Set(WatermarkFixtures.manifest.cases.map(\.cover)) {
            #expect(try KnownWatermark.matches(in: WatermarkFixtures.image(cover)).allSatisfy { !$0.isFound }, "\(cover)")
        }
    }

    @Test func base16GivesTheBitsOfTheSDXLMark() throws {
        let sdxl = try #require(WatermarkFixtures.manifest.cases.first { $0.type == "bits" })
        #expect(WatermarkFixtures.bitString(try InvisibleWatermark(base16: "B3EC907BB19E").bits) == sdxl.bits)
        #expect(KnownWatermark.all.first { $0.name == "sdxl" }?.mark == (try InvisibleWatermark(bitString: sdxl.bits)))
    }
}

/// When python3 has the invisible-watermark package: it reads what Lethe marks, and Lethe reads what it marks,
/// on a picture neither fixture holds.
@Suite("Watermark: the live invisible-watermark package", .enabled(
    if: WatermarkPython.isAvailable, "python3 with the invisible-watermark package (imwatermark) is not installed"))
struct WatermarkPythonTests {
    @Test func thePackageReadsWhatLetheMarks() throws {
        let cover = WatermarkTests.smoothPicture(width: 320, height: 288, seed: 7)
        let mark = try InvisibleWatermark(text: "Lethe ✓ 2026")
        let directory = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(directory) }
        try mark.embedded(in: cover).writePNG(toFile: directory + "/marked.png")
        let decoded = try WatermarkPython.run("""
            import sys, cv2, numpy as np
            from imwatermark import WatermarkDecoder
            image = cv2.imread(sys.argv[1])
            data = WatermarkDecoder('bytes', int(sys.argv[2])).decode(image, 'dwtDct')
            print(''.join(str(b) for b in np.unpackbits(np.frombuffer(data, np.uint8))))
            """, arguments: [directory + "/marked.png", String(mark.bits.count)])
        let ours = try InvisibleWatermark.read(try ImageRGB8(contentsOfFile: directory + "/marked.png"), length: mark.bits.count)
        #expect(decoded == WatermarkFixtures.bitString(ours.bits))
    }

    @Test func letheReadsWhatThePackageMarksAndMarksTheSame() throws {
        let cover = WatermarkTests.smoothPicture(width: 300, height: 260, seed: 11)
        let mark = try InvisibleWatermark(bitString: "1101001110001011")
        let directory = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(directory) }
        try cover.writePNG(toFile: directory + "/cover.png")
        let decoded = try WatermarkPython.run("""
            import sys, cv2
            from imwatermark import WatermarkEncoder, WatermarkDecoder
            encoder = WatermarkEncoder()
            encoder.set_watermark('bits', [int(c) for c in sys.argv[3]])
            cv2.imwrite(sys.argv[2], encoder.encode(cv2.imread(sys.argv[1]), 'dwtDct'))
            bits = WatermarkDecoder('bits', len(sys.argv[3])).decode(cv2.imread(sys.argv[2]), 'dwtDct')
            print(''.join(str(int(b)) for b in bits))
            """, arguments: [directory + "/cover.png", directory + "/theirs.png", WatermarkFixtures.bitString(mark.bits)])
        let theirs = try ImageRGB8(contentsOfFile: directory + "/theirs.png")
        #expect(theirs.pixels == (try mark.embedded(in: cover)).pixels)
        #expect(WatermarkFixtures.bitString(try InvisibleWatermark.read(theirs, length: mark.bits.count).bits) == decoded)
    }
}

/// Runs python3 scripts that use the invisible-watermark package.
enum WatermarkPython {
    static let isAvailable: Bool = (try? run("import imwatermark, cv2", arguments: [])) != nil

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The script's standard output, trimmed; throws when it fails.
    static func run(_ script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed (\(process.terminationStatus)): \(String(decoding: errorText.suffix(2000), as: UTF8.self))")
        }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
