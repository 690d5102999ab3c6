import Foundation
import LetheIO
import LetheTensor
import LetheTestSupport
import Testing

@Suite("Safetensors writing")
struct SafeTensorsWriteTests {
    static let pythonFiles = SafeTensorsFixtureTests.files

    @Test("copying every tensor of a Python file reproduces the file byte for byte", arguments: pythonFiles)
    func copyReproducesPythonFile(_ name: String) throws {
        let url = try Fixture.resource("safetensors/" + name, in: .module)
        let source = try SafeTensorsFile.open(url)
        // Entries in reverse name order: the writer must restore the reference order itself.
        let entries = try source.tensorNames.reversed().map { try SafeTensorsEntry(copying: $0, from: source) }
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let output = folder.appendingPathComponent("copy.safetensors")
        try SafeTensorsWriter.write(entries: entries, metadata: source.metadata, to: output)
        #expect(try SafeTensorsFixtures.readBytes(output) == SafeTensorsFixtures.readBytes(url))
        #expect(try SafeTensorsWriter.serialize(entries: entries, metadata: source.metadata) == SafeTensorsFixtures.readBytes(url))
    }

    @Test("float tensors decoded from a Python file and re-encoded give the same bytes",
          arguments: [("f32.safetensors", SafeTensorDType.f32), ("f16.safetensors", .f16), ("bf16.safetensors", .bf16)])
    func reencodeReproducesPythonFile(_ name: String, _ dtype: SafeTensorDType) throws {
        let url = try Fixture.resource("safetensors/" + name, in: .module)
        let source = try SafeTensorsFile.open(url)
        let tensors = try source.tensorNames.map { ($0, try source.tensor(named: $0)) }
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let output = folder.appendingPathComponent("out.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: source.metadata, dtype: dtype, to: output)
        #expect(try SafeTensorsFixtures.readBytes(output) == SafeTensorsFixtures.readBytes(url))
    }

    @Test("writing float32 as F16 and BF16 gives torch's bytes")
    func conversionMatchesTorch() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/conversion.safetensors", in: .module))
        let source = try file.tensor(named: "source")
        for (dtype, reference) in [(SafeTensorDType.f16, "as_f16"), (.bf16, "as_bf16")] {
            let bytes = try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: "x", tensor: source, dtype: dtype)])
            let expected = try file.rawBytes(named: reference)
            #expect(Array(bytes.suffix(expected.count)) == expected, "\(dtype)")
        }
    }

    @Test("round trip of F32, F16, BF16 and F64 with metadata, scalars and empty tensors")
    func roundTrip() throws {
        // Values exactly representable in every format, so each must come back unchanged.
        let matrix = Tensor(shape: [2, 3], values: [0.5, -2, 1024, 0x1p-14, -0.0, 3.75])
        let scalar = Tensor(scalar: -6.5)
        let empty = Tensor(zeros: [3, 0, 2])
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        for dtype in [SafeTensorDType.f32, .f16, .bf16, .f64] {
            let url = folder.appendingPathComponent("\(dtype).safetensors")
            try SafeTensorsWriter.write([("m", matrix), ("s", scalar), ("e", empty)],
                                        metadata: ["format": "pt", "note": "ünïcode \"quoted\"\n"], dtype: dtype, to: url)
            let file = try SafeTensorsFile.open(url)
            #expect(file.metadata == ["format": "pt", "note": "ünïcode \"quoted\"\n"])
            #expect(file.tensorNames == ["e", "m", "s"])
            #expect(file.info(named: "m") == SafeTensorInfo(name: "m", dtype: dtype, shape: [2, 3],
                                                            byteRange: file.info(named: "m")!.byteRange))
            #expect(file.info(named: "m")?.byteCount == 6 * (dtype.byteSize ?? 0))
            #expect(try file.tensor(named: "m").toArray().map(\.bitPattern) == matrix.toArray().map(\.bitPattern), "\(dtype)")
            #expect(try file.tensor(named: "s").shape == [])
            #expect(try file.tensor(named: "s").scalarValue == -6.5)
            #expect(try file.tensor(named: "e").shape == [3, 0, 2])
            #expect(file.info(named: "e")?.byteCount == 0)
        }
    }

    @Test("no metadata block unless asked; an empty one when given empty")
    func metadataPresence() throws {
        let tensor = Tensor(shape: [1], values: [1])
        let without = try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: "x", tensor: tensor)])
        let withEmpty = try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: "x", tensor: tensor)], metadata: [:])
        let withKeys = try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: "x", tensor: tensor)], metadata: ["b": "2", "a": "1"])
        func header(_ bytes: [UInt8]) -> String { String(decoding: bytes.dropFirst(8).dropLast(4), as: UTF8.self) }
        #expect(header(without) == #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"# + "  ")
        #expect(header(withEmpty) == #"{"__metadata__":{},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#)
        #expect(header(withKeys) == #"{"__metadata__":{"a":"1","b":"2"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"# + " ")
        #expect(Array(without.prefix(8)) == [56, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("a strided view is written in row-major order of its elements")
    func stridedTensor() throws {
        let base = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let bytes = try SafeTensorsWriter.serialize(entries: [SafeTensorsEntry(name: "t", tensor: base.transposed(0, 1))])
        let data = bytes.suffix(24)
        let values = stride(from: data.startIndex, to: data.endIndex, by: 4).map { start in
            Float(bitPattern: UInt32(data[start]) | UInt32(data[start + 1]) << 8 | UInt32(data[start + 2]) << 16 | UInt32(data[start + 3]) << 24)
        }
        #expect(values == [1, 4, 2, 5, 3, 6])
        #expect(String(decoding: bytes.dropFirst(8).prefix(60), as: UTF8.self).contains(#""shape":[3,2]"#))
    }

    @Test("raw bytes of integer and F8 dtypes are written as given")
    func rawEntries() throws {
        let ids: [Int64] = [3, -4]
        let idBytes = ids.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let bytes = try SafeTensorsWriter.serialize(entries: [
            SafeTensorsEntry(name: "ids", dtype: .i64, shape: [2], bytes: idBytes),
            SafeTensorsEntry(name: "mask", dtype: .bool, shape: [3], bytes: [1, 0, 1]),
            SafeTensorsEntry(name: "fp8", dtype: .f8E4M3, shape: [2], bytes: [0x38, 0xB8]),
        ])
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("ints.safetensors")
        try Data(bytes).write(to: url)
        let file = try SafeTensorsFile.open(url)
        #expect(try file.int64Values(named: "ids") == ids)
        #expect(try file.int64Values(named: "mask") == [1, 0, 1])
        // F8 is recognised and kept as bytes, but not converted to float32.
        #expect(file.info(named: "fp8")?.dtype == .f8E4M3)
        #expect(try file.rawBytes(named: "fp8") == [0x38, 0xB8])
        #expect(throws: SafeTensorsError.notConvertibleToFloat(path: url.path, tensor: "fp8", dtype: .f8E4M3)) {
            try file.tensor(named: "fp8")
        }
    }

    @Test("writer input errors are reported before anything is written")
    func writerErrors() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("out.safetensors")
        let tensor = Tensor(shape: [2], values: [1, 2])
        #expect(throws: SafeTensorsError.duplicateTensorToWrite(path: url.path, tensor: "a")) {
            try SafeTensorsWriter.write([("a", tensor), ("a", tensor)], to: url)
        }
        #expect(throws: SafeTensorsError.invalidTensorName(path: url.path, tensor: "__metadata__")) {
            try SafeTensorsWriter.write([("__metadata__", tensor)], to: url)
        }
        #expect(throws: SafeTensorsError.unsupportedOutputDType(path: url.path, tensor: "a", dtype: .i32)) {
            try SafeTensorsWriter.write([("a", tensor)], dtype: .i32, to: url)
        }
        #expect(throws: SafeTensorsError.rawByteCountMismatch(path: url.path, tensor: "r", expected: 8, actual: 3)) {
            try SafeTensorsWriter.write(entries: [SafeTensorsEntry(name: "r", dtype: .i32, shape: [2], bytes: [1, 2, 3])], to: url)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("a failed write leaves no temporary file and the destination untouched")
    func failedWriteCleansUp() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        // The destination is a folder, so the final rename fails after all data was written.
        let destination = folder.appendingPathComponent("target.safetensors")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        #expect {
            try SafeTensorsWriter.write([("a", Tensor(shape: [4], repeating: 1))], to: destination)
        } throws: { error in
            guard case .io(let path, _, _)? = error as? SafeTensorsError else { return false }
            return path == destination.path
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["target.safetensors"])
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test("overwriting a file keeps tensors already read from it intact")
    func overwriteWhileMapped() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write([("w", Tensor(shape: [3], values: [1, 2, 3]))], to: url)
        let old = try SafeTensorsFile.open(url).tensor(named: "w")
        try SafeTensorsWriter.write([("w", Tensor(shape: [3], values: [7, 8, 9]))], to: url)
        #expect(old.toArray() == [1, 2, 3])
        #expect(try SafeTensorsFile.open(url).tensor(named: "w").toArray() == [7, 8, 9])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test("a misaligned F32 tensor is decoded into its own storage with the right values")
    func misalignedF32() throws {
        // "a" is F32 [2] at data offset 1, after the one byte of "b": built by hand, as no writer would do it.
        let header = #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#
        let floats = [Float(1.5), -3].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let data = [UInt8(5)] + floats
        let file = SafeTensorsValidationTests.file(header, data: data)
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent("odd.safetensors")
        try Data(file).write(to: url)
        let opened = try SafeTensorsFile.open(url)
        let first = try opened.tensor(named: "a")
        let second = try opened.tensor(named: "a")
        #expect(first.toArray() == [1.5, -3])
        #expect(first.storage.base != second.storage.base)
    }

    @Test("the sharded writer reproduces the Python-written shards and index byte for byte")
    func shardedMatchesPython() throws {
        let sharding = try #require(try SafeTensorsFixtures.expected()["sharding"] as? [String: Any])
        let order = try #require(sharding["order"] as? [String])
        let maxShardSize = try #require(sharding["max_shard_size"] as? Int)
        let pythonFiles = try #require(sharding["files"] as? [String])
        let indexURL = try Fixture.resource("safetensors/sharded/model.safetensors.index.json", in: .module)
        let source = try SafeTensorsCollection.openIndex(indexURL)

        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let entries = try order.map { try SafeTensorsEntry(copying: $0, from: source) }
        let written = try SafeTensorsWriter.writeSharded(entries: entries, metadata: ["format": "pt"],
                                                         maxShardSize: maxShardSize, to: folder)
        #expect(written.map(\.lastPathComponent) == pythonFiles + ["model.safetensors.index.json"])
        for name in pythonFiles + ["model.safetensors.index.json"] {
            #expect(try SafeTensorsFixtures.readBytes(folder.appendingPathComponent(name))
                        == SafeTensorsFixtures.readBytes(Fixture.resource("safetensors/sharded/" + name, in: .module)), "\(name)")
        }
    }

    @Test("a single shard is written without an index, and stale files of an earlier save are removed")
    func shardedCleanup() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let entries = (0..<4).map { SafeTensorsEntry(name: "t\($0)", tensor: Tensor(shape: [4], repeating: Float($0))) }
        try Data("keep".utf8).write(to: folder.appendingPathComponent("model-extra.safetensors.txt"))

        let sharded = try SafeTensorsWriter.writeSharded(entries: entries, maxShardSize: 32, to: folder)
        #expect(sharded.map(\.lastPathComponent) == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                                     "model.safetensors.index.json"])
        let index = try SafeTensorsIndex.load(from: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(index.totalSize == 64)
        #expect(index.weightMap == ["t0": "model-00001-of-00002.safetensors", "t1": "model-00001-of-00002.safetensors",
                                    "t2": "model-00002-of-00002.safetensors", "t3": "model-00002-of-00002.safetensors"])

        let single = try SafeTensorsWriter.writeSharded(entries: entries, maxShardSize: 1 << 30, to: folder)
        #expect(single.map(\.lastPathComponent) == ["model.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                    == ["model-extra.safetensors.txt", "model.safetensors"])
        #expect(try SafeTensorsCollection.open(folder).tensorNames == ["t0", "t1", "t2", "t3"])

        #expect(throws: SafeTensorsError.invalidShardSize(0)) {
            try SafeTensorsWriter.writeSharded(entries: entries, maxShardSize: 0, to: folder)
        }
    }

    @Test("shard file names are padded to five digits")
    func shardNames() {
        #expect(SafeTensorsWriter.shardFileName(baseName: "diffusion_pytorch_model", number: 2, of: 13)
                    == "diffusion_pytorch_model-00002-of-00013.safetensors")
    }
}
