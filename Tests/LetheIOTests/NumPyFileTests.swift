import Foundation
import LetheIO
import LetheTensor
import Testing

@Suite("NumPy .npy files")
struct NumPyFileTests {
    /// The values the fixture script saved: element i is i * 0.25 - 1 (exact in float32).
    static func fixtureTensor(shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { Float($0) * 0.25 - 1 })
    }

    @Test(arguments: ImageFixtures.manifest.npy)
    func writesTheBytesNumPyWrites(fixture: ImageFixtures.NumPyCase) throws {
        let expected = try ImageFixtures.bytes(fixture.file)
        if fixture.headerOnly {
            #expect(NumPyFile.header(shape: fixture.shape) == expected)
            #expect(expected.count % 64 == 0)
            return
        }
        let tensor = Self.fixtureTensor(shape: fixture.shape)
        let encoded = NumPyFile.encode(tensor)
        #expect(encoded == expected, "\(String(decoding: encoded.prefix(128), as: UTF8.self))")
        #expect(NumPyFile.header(shape: fixture.shape).count % 64 == 0)
    }

    @Test(arguments: ImageFixtures.manifest.npy.filter { !$0.headerOnly })
    func readsWhatNumPyWrote(fixture: ImageFixtures.NumPyCase) throws {
        let tensor = try NumPyFile.read(contentsOfFile: ImageFixtures.path(fixture.file))
        #expect(tensor.shape == fixture.shape)
        #expect(tensor.toArray() == Self.fixtureTensor(shape: fixture.shape).toArray())
    }

    @Test func readsFloat64AsRoundedFloat32() throws {
        let tensor = try NumPyFile.read(contentsOfFile: ImageFixtures.path("npy_f8_2x3.npy"))
        #expect(tensor.shape == [2, 3])
        // np.arange(6) / 3.0 - 0.5 in float64, rounded to float32.
        #expect(tensor.toArray() == (0..<6).map { Float(Double($0) / 3.0 - 0.5) })
    }

    @Test(arguments: [("npy_big_endian.npy", ">f4"), ("npy_int32.npy", "<i4"), ("npy_fortran.npy", "Fortran")])
    func rejectsArraysItCannotLoad(file: String, mentioned: String) throws {
        let path = ImageFixtures.path(file)
        do {
            _ = try NumPyFile.read(contentsOfFile: path)
            Issue.record("\(file) loaded")
        } catch let error {
            guard case .unsupported = error else {
                Issue.record("expected .unsupported, got \(error)")
                return
            }
            #expect(error.description.contains(path))
            #expect(error.description.contains(mentioned), "\(error)")
        }
    }

    @Test func rejectsDamagedFiles() throws {
        let good = try ImageFixtures.bytes("npy_f4_2x3.npy")
        #expect(throws: NumPyError.sizeMismatch(source: "short", expectedBytes: 24, foundBytes: 20)) {
            try NumPyFile.decode(Array(good.dropLast(4)), source: "short")
        }
        #expect(throws: NumPyError.sizeMismatch(source: "long", expectedBytes: 24, foundBytes: 25)) {
            try NumPyFile.decode(good + [0], source: "long")
        }
        do {
            _ = try NumPyFile.decode(Array("just some text, not numpy".utf8), source: "notes.txt")
            Issue.record("text decoded as .npy")
        } catch let error {
            guard case .invalidHeader = error else {
                Issue.record("expected .invalidHeader, got \(error)")
                return
            }
            #expect(error.description.contains("notes.txt"))
        }
        #expect(throws: NumPyError.self) { try NumPyFile.decode(Array(good.prefix(40)), source: "cut header") }
        var badShape = good
        let shapeStart = try #require(String(decoding: good, as: UTF8.self).range(of: "(2, 3)")?.lowerBound.utf16Offset(in: String(decoding: good, as: UTF8.self)))
        badShape[shapeStart + 1] = UInt8(ascii: "x")
        #expect(throws: NumPyError.self) { try NumPyFile.decode(badShape, source: "bad shape") }
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let directory = try ImageFixtures.temporaryDirectory()
        defer { ImageFixtures.removeTemporary(directory) }
        let path = directory + "/images.npy"
        // A strided view: the file holds the view's elements in row-major order.
        let dense = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let view = dense.transposed(0, 1)
        try NumPyFile.write(view, toFile: path)
        let back = try NumPyFile.read(contentsOfFile: path)
        #expect(back.shape == [3, 2])
        #expect(back.toArray() == [1, 4, 2, 5, 3, 6])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["images.npy"])
        #expect(throws: NumPyError.self) { try NumPyFile.write(view, toFile: directory + "/missing/x.npy") }
    }

    @Test func readsHeadersWithDoubleQuotesAndOtherKeyOrders() throws {
        let text = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}"
        var header = Array("\u{93}".unicodeScalars.map { UInt8($0.value) }) + Array("NUMPY".utf8) + [1, 0]
        let body = Array(text.utf8) + [0x0A]
        header += [UInt8(body.count & 0xFF), UInt8(body.count >> 8)]
        let data = header + body + [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40] // 1.0, 2.0
        let tensor = try NumPyFile.decode(data)
        #expect(tensor.shape == [2])
        #expect(tensor.toArray() == [1, 2])
    }
}
