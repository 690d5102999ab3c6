import Foundation
import LetheIO
import Testing

@Suite("PNG decoding")
struct PNGDecodingTests {
    /// Every colour type and bit depth, palettes, transparency, interlacing: the pixels PIL's convert("RGB")
    /// gives (16-bit gray: the high bytes, see the fixture script).
    @Test(arguments: ImageFixtures.manifest.png)
    func decodesLikePIL(fixture: ImageFixtures.DecodeCase) throws {
        try ImageFixtures.expectDecodesLikePIL(fixture)
    }

    @Test func decodesFromMemoryWithTheGivenSourceName() throws {
        let data = try ImageFixtures.bytes("rgb8_pil.png")
        let image = try ImageRGB8(decoding: data, source: "upload #3")
        #expect(image.pixels == (try ImageFixtures.bytes("rgb8_pil.rgb")))
        var damaged = data
        damaged.removeLast(damaged.count / 2)
        #expect(throws: ImageError.self) { try ImageRGB8(decoding: damaged, source: "upload #3") }
        do {
            _ = try ImageRGB8(decoding: damaged, source: "upload #3")
        } catch {
            #expect(error.description.contains("upload #3"))
        }
    }

    @Test(arguments: [12, 33, 60])
    func truncatedFilesAreReportedAsTruncated(keptBytes: Int) throws {
        let data = try ImageFixtures.bytes("rgb8_interlaced.png")
        #expect(keptBytes < data.count - 20)
        let path = try writeTemporary(Array(data.prefix(keptBytes)), name: "cut.png")
        defer { ImageFixtures.removeTemporary(path) }
        do {
            _ = try ImageRGB8(contentsOfFile: path)
            Issue.record("a PNG cut to \(keptBytes) bytes decoded")
        } catch let error {
            guard case let .truncated(source, format, _) = error else {
                Issue.record("expected .truncated, got \(error)")
                return
            }
            #expect(source == path)
            #expect(format == .png)
            #expect(error.description.contains(path))
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func aDamagedChunkIsReportedAsCorrupt() throws {
        var data = try ImageFixtures.bytes("rgb8_pil.png")
        // Byte 17 lies in the IHDR width field: the chunk's CRC no longer matches.
        data[17] ^= 0x01
        let path = try writeTemporary(data, name: "crc.png")
        defer { ImageFixtures.removeTemporary(path) }
        do {
            _ = try ImageRGB8(contentsOfFile: path)
            Issue.record("a PNG with a bad IHDR CRC decoded")
        } catch let error {
            guard case let .corrupt(source, format, detail) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(source == path)
            #expect(format == .png)
            #expect(detail.contains("CRC"), "\(detail)")
        }
    }

    @Test func damagedImageDataIsReportedAsCorrupt() throws {
        var data = try ImageFixtures.bytes("rgb16.png")
        // Corrupt the zlib stream inside IDAT and repair the CRC, so only zlib notices.
        let idat = try #require(findChunk("IDAT", in: data))
        data[idat.dataStart + 2] ^= 0xFF
        data[idat.dataStart + 3] ^= 0xFF
        fixCRC(of: idat, in: &data)
        #expect(throws: ImageError.self) { try ImageRGB8(decoding: data) }
        do {
            _ = try ImageRGB8(decoding: data, source: "zlib.png")
        } catch let error {
            switch error {
            case .corrupt, .truncated: #expect(error.description.contains("zlib.png"))
            default: Issue.record("expected .corrupt or .truncated, got \(error)")
            }
        }
    }

    @Test func anImageAboveThePixelLimitIsRefusedBeforeAllocating() throws {
        var data = try ImageFixtures.bytes("gray1_pil.png")
        let ihdr = try #require(findChunk("IHDR", in: data))
        // 100000 x 100000 pixels: within libpng's limits, beyond ours.
        for (offset, value) in [(0, UInt32(100_000)), (4, UInt32(100_000))] {
            for byte in 0..<4 { data[ihdr.dataStart + offset + byte] = UInt8((value >> (24 - 8 * byte)) & 0xFF) }
        }
        fixCRC(of: ihdr, in: &data)
        #expect(throws: ImageError.tooLarge(source: "huge.png", width: 100_000, height: 100_000,
                                            limit: ImageRGB8.maximumPixelCount)) {
            try ImageRGB8(decoding: data, source: "huge.png")
        }
    }

    // MARK: helpers

    struct Chunk {
        let lengthOffset: Int
        let length: Int
        var dataStart: Int { lengthOffset + 8 }
    }

    private func findChunk(_ type: String, in data: [UInt8]) -> Chunk? {
        var offset = 8
        while offset + 8 <= data.count {
            let length = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: data[offset + 4..<offset + 8], as: UTF8.self) == type {
                return Chunk(lengthOffset: offset, length: length)
            }
            offset += 12 + length
        }
        return nil
    }

    /// Recomputes a chunk's CRC-32 (over type and data) after editing it.
    private func fixCRC(of chunk: Chunk, in data: inout [UInt8]) {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data[(chunk.lengthOffset + 4)..<(chunk.dataStart + chunk.length)] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        let at = chunk.dataStart + chunk.length
        for byte in 0..<4 { data[at + byte] = UInt8((crc >> (24 - 8 * UInt32(byte))) & 0xFF) }
    }

    private func writeTemporary(_ bytes: [UInt8], name: String) throws -> String {
        let path = try ImageFixtures.temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
