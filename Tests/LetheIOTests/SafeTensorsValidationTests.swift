import Foundation
import LetheIO
import Testing

/// Malformed files, built from bytes here, each rejected with its own error case.
@Suite("Safetensors header validation")
struct SafeTensorsValidationTests {
    /// A file: little-endian length prefix (the header's length unless `declaredLength` is given), header, data.
    static func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        return withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian, Array.init) + headerBytes + data
    }

    /// Writes `bytes` to a temporary file and returns the error opening it raises (nil if it opens).
    static func openError(_ bytes: [UInt8]) throws -> (error: SafeTensorsError?, path: String) {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("bad.safetensors")
        try Data(bytes).write(to: url)
        do {
            _ = try SafeTensorsFile.open(url)
            return (nil, url.path)
        } catch {
            return (error, url.path)
        }
    }

    static let eight = [UInt8](repeating: 7, count: 8)

    @Test("a file shorter than the 8-byte prefix", arguments: [0, 1, 7])
    func tooSmall(size: Int) throws {
        let (error, path) = try Self.openError([UInt8](repeating: 0, count: size))
        #expect(error == .fileTooSmall(path: path, size: size))
    }

    @Test("a header length larger than the file")
    func headerPastEnd() throws {
        let bytes = Self.file("{}", declaredLength: 1000)
        let (error, path) = try Self.openError(bytes)
        #expect(error == .headerLengthExceedsFile(path: path, headerLength: 1000, fileSize: bytes.count))
    }

    @Test("a header length above 100 MB", arguments: [UInt64(100_000_001), UInt64.max])
    func headerTooLarge(length: UInt64) throws {
        let (error, path) = try Self.openError(Self.file("{}", declaredLength: length))
        #expect(error == .headerTooLarge(path: path, headerLength: length))
    }

    @Test("a header that is not UTF-8")
    func notUTF8() throws {
        let bytes = withUnsafeBytes(of: UInt64(4).littleEndian, Array.init) + [0x7B, 0x22, 0xFF, 0x7D]
        let (error, path) = try Self.openError(bytes)
        #expect(error == .headerNotUTF8(path: path, byteOffset: 2))
    }

    @Test("a header that is not JSON", arguments: ["{\"a\":", "{\"a\":1,}", "{'a':1}", "{} x", "", "{\"a\":tru}",
                                                   "{\"a\":\"\u{01}\"}", "{\"a\":01}", "{\"a\":\"\\ud800\"}"])
    func notJSON(header: String) throws {
        let (error, _) = try Self.openError(Self.file(header))
        guard case .headerNotJSON? = error else {
            Issue.record("expected headerNotJSON for \(header), got \(String(describing: error))")
            return
        }
    }

    @Test("deeply nested JSON is rejected, not a stack overflow")
    func deepNesting() throws {
        let header = "{\"__metadata__\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        let (error, _) = try Self.openError(Self.file(header))
        guard case .headerNotJSON? = error else {
            Issue.record("expected headerNotJSON, got \(String(describing: error))")
            return
        }
    }

    @Test("a header that is JSON but not an object", arguments: ["[]", "\"text\"", "3", "null"])
    func notObject(header: String) throws {
        let (error, _) = try Self.openError(Self.file(header))
        guard case .headerNotObject? = error else {
            Issue.record("expected headerNotObject for \(header), got \(String(describing: error))")
            return
        }
    }

    @Test("a tensor entry missing a field or with a wrongly typed one", arguments: [
        #"{"t":{"shape":[2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2]}}"#,
        #"{"t":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}"#,
        #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[-1,8]}}"#,
        #"{"t":[1,2]}"#,
        #"{"t":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
    ])
    func invalidEntry(header: String) throws {
        let (error, path) = try Self.openError(Self.file(header, data: Self.eight))
        guard case .invalidTensorEntry(let errorPath, let tensor, _)? = error else {
            Issue.record("expected invalidTensorEntry for \(header), got \(String(describing: error))")
            return
        }
        #expect(errorPath == path && tensor == "t")
    }

    @Test("an unknown dtype")
    func unknownDType() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}"#, data: Self.eight))
        #expect(error == .unknownDType(path: path, tensor: "t", dtype: "F31"))
    }

    @Test("a negative, fractional or non-numeric dimension", arguments: ["[-2]", "[-0]", "[2.0]", "[\"2\"]", "[1e1]", "[99999999999999999999999]"])
    func invalidShape(shape: String) throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"U8","shape":"# + shape + #","data_offsets":[0,8]}}"#, data: Self.eight))
        guard case .invalidShape(let errorPath, let tensor, _)? = error else {
            Issue.record("expected invalidShape for \(shape), got \(String(describing: error))")
            return
        }
        #expect(errorPath == path && tensor == "t")
    }

    @Test("shape × dtype size differing from the data_offsets span")
    func sizeMismatch() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}"#, data: Self.eight))
        #expect(error == .byteCountMismatch(path: path, tensor: "t", dtype: .f32, shape: [2, 2], expected: 16, actual: 8))
    }

    @Test("a shape whose size overflows")
    func overflow() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, data: Self.eight))
        #expect(error == .sizeOverflow(path: path, tensor: "t", shape: [1 << 62, 4], dtype: .f32))
    }

    @Test("a sub-byte dtype that ends inside a byte")
    func misalignedSubByte() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [1, 2]))
        #expect(error == .misalignedSubByteTensor(path: path, tensor: "t", shape: [3], dtype: .f4))
    }

    @Test("offsets with begin after end")
    func beginAfterEnd() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: Self.eight))
        #expect(error == .invalidOffsets(path: path, tensor: "t", begin: 8, end: 0))
    }

    @Test("offsets outside the data section")
    func outsideData() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: Self.eight))
        #expect(error == .offsetsOutsideData(path: path, tensor: "t", begin: 0, end: 16, dataSize: 8))
    }

    @Test("overlapping tensors")
    func overlapping() throws {
        let header = #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let (error, path) = try Self.openError(Self.file(header, data: [UInt8](repeating: 0, count: 12)))
        #expect(error == .overlappingTensors(path: path, first: "a", second: "b"))
    }

    @Test("a zero-size tensor inside another one overlaps it")
    func emptyInsideAnother() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#
        let (error, path) = try Self.openError(Self.file(header, data: Self.eight))
        #expect(error == .overlappingTensors(path: path, first: "a", second: "e"))
    }

    @Test("a hole between tensors")
    func hole() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#
        let (error, path) = try Self.openError(Self.file(header, data: [UInt8](repeating: 0, count: 20)))
        #expect(error == .gapInData(path: path, before: "b", gapStart: 8, gapEnd: 12))
    }

    @Test("bytes after the last tensor")
    func trailing() throws {
        let (error, path) = try Self.openError(Self.file(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: Self.eight + [0, 0, 0, 0]))
        #expect(error == .trailingData(path: path, coveredBytes: 8, dataSize: 12))
    }

    @Test("a tensor named twice")
    func duplicateName() throws {
        let header = #"{"t":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"t":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#
        let (error, path) = try Self.openError(Self.file(header, data: Self.eight))
        #expect(error == .duplicateTensorName(path: path, tensor: "t"))
    }

    @Test("metadata that is not a string-to-string object", arguments: [
        #"{"__metadata__":{"a":1}}"#, #"{"__metadata__":[]}"#,
        #"{"__metadata__":{},"__metadata__":{}}"#,
    ])
    func invalidMetadata(header: String) throws {
        let (error, _) = try Self.openError(Self.file(header))
        guard case .invalidMetadata? = error else {
            Issue.record("expected invalidMetadata for \(header), got \(String(describing: error))")
            return
        }
    }

    @Test("valid edge cases open: no tensors, null metadata, whitespace, zero-size tensors sharing an offset, escapes")
    func validEdgeCases() throws {
        for (header, data) in [
            ("{}", [UInt8]()),
            (#" {"__metadata__":null}   "#, []),
            (#"{"__metadata__":{"k\u00e9y":"v\n"}}"#, []),
            (#"{"x":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"y":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"z":{"data_offsets":[0,8],"shape":[8],"dtype":"BOOL","extra":true}}"#, Self.eight),
        ] {
            let (error, _) = try Self.openError(Self.file(header, data: data))
            #expect(error == nil, "\(header): \(String(describing: error))")
        }
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("ok.safetensors")
        try Data(Self.file(#"{"__metadata__":{"k\u00e9y":"v\n"}, "x\"":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}"#, data: [9])).write(to: url)
        let file = try SafeTensorsFile.open(url)
        #expect(file.metadata == ["kéy": "v\n"])
        // A repeated metadata key keeps its last value, as Python's safetensors reads it.
        let repeated = folder.appendingPathComponent("repeated.safetensors")
        try Data(Self.file(#"{"__metadata__":{"a":"x","a":"y"}}"#)).write(to: repeated)
        #expect(try SafeTensorsFile.open(repeated).metadata == ["a": "y"])
        #expect(file.tensorNames == ["x\""])
        #expect(try file.int64Values(named: "x\"") == [9])
    }

    @Test("error messages name the file and the tensor")
    func messages() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"layer.7":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#
        let (error, path) = try Self.openError(Self.file(header, data: [UInt8](repeating: 0, count: 20)))
        let message = try #require(error).description
        #expect(message.contains(path))
        #expect(message.contains("'layer.7'"))
    }

    @Test("opening a missing file or a folder is an I/O error")
    func missingFile() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        for url in [folder.appendingPathComponent("absent.safetensors"), folder] {
            #expect {
                _ = try SafeTensorsFile.open(url)
            } throws: { error in
                guard case .io(let path, _, _)? = error as? SafeTensorsError else { return false }
                return path == url.path
            }
        }
    }
}
