import Foundation
import LetheIO
import LetheTensor
import LetheTestSupport
import Testing

/// Helpers shared by the safetensors suites; the fixtures written by Scripts/reference/make_safetensors_fixtures.py are
/// `Fixture.resource("safetensors/<name>", in: .module)`.
enum SafeTensorsFixtures {
    /// expected.json: per fixture file, its metadata and every tensor's dtype, shape, bytes and values.
    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: Fixture.resource("safetensors/expected.json", in: .module))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func bytes(fromHex hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    /// A fresh empty folder, removed by `cleanUp`.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanUp(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    static func readBytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}

@Suite("Safetensors fixtures written by Python")
struct SafeTensorsFixtureTests {
    static let files = ["f32.safetensors", "f16.safetensors", "bf16.safetensors", "f64.safetensors",
                        "mixed.safetensors", "empty.safetensors", "conversion.safetensors", "names.safetensors",
                        "sharded/model-00001-of-00003.safetensors", "sharded/model-00002-of-00003.safetensors",
                        "sharded/model-00003-of-00003.safetensors"]

    @Test("every tensor has the dtype, shape, bytes and values Python wrote", arguments: files)
    func readsPythonFile(_ name: String) throws {
        let expectedFile = try #require(try SafeTensorsFixtures.expected()[name] as? [String: Any])
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/" + name, in: .module))
        #expect(file.metadata == expectedFile["metadata"] as? [String: String])

        let tensors = try #require(expectedFile["tensors"] as? [String: [String: Any]])
        #expect(file.tensorNames == tensors.keys.sorted())
        for (tensorName, expected) in tensors {
            let info = try #require(file.info(named: tensorName))
            #expect(info.dtype.rawValue == expected["dtype"] as? String, "\(tensorName)")
            #expect(info.shape == expected["shape"] as? [Int], "\(tensorName)")
            let hex = try #require(expected["hex"] as? String)
            #expect(try file.rawBytes(named: tensorName) == SafeTensorsFixtures.bytes(fromHex: hex), "\(tensorName)")

            if let bits = expected["f32_bits"] as? [Int] {
                let tensor = try file.tensor(named: tensorName)
                #expect(tensor.shape == info.shape)
                #expect(tensor.toArray().map { Int($0.bitPattern) } == bits, "\(tensorName)")
            } else if let ints = expected["ints"] as? [Int] {
                #expect(try file.int64Values(named: tensorName) == ints.map(Int64.init), "\(tensorName)")
            }
        }
    }

    @Test("a U64 value above Int64.max is reported, not wrapped")
    func unsignedOverflow() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/mixed.safetensors", in: .module))
        #expect(throws: SafeTensorsError.integerOutOfRange(path: file.path, tensor: "ulong_big", value: (1 << 63) + 5)) {
            try file.int64Values(named: "ulong_big")
        }
    }

    @Test("float and integer accessors refuse the other kind of dtype")
    func accessorsCheckDType() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/mixed.safetensors", in: .module))
        #expect(throws: SafeTensorsError.notConvertibleToFloat(path: file.path, tensor: "ids", dtype: .i64)) {
            try file.tensor(named: "ids")
        }
        #expect(throws: SafeTensorsError.notIntegral(path: file.path, tensor: "a_float", dtype: .f32)) {
            try file.int64Values(named: "a_float")
        }
        #expect(throws: SafeTensorsError.tensorNotFound(path: file.path, tensor: "nope")) {
            try file.tensor(named: "nope")
        }
    }

    @Test("tensorsInDataOrder follows the data offsets")
    func dataOrder() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/mixed.safetensors", in: .module))
        let offsets = file.tensorsInDataOrder.map(\.byteRange.lowerBound)
        #expect(offsets == offsets.sorted())
        #expect(file.tensorsInDataOrder.first?.name == "ulong")
        #expect(file.tensorsInDataOrder.last.map { $0.byteRange.upperBound } == file.tensorsInDataOrder.map(\.byteCount).reduce(0, +))
    }

    @Test("an aligned F32 tensor borrows the mapping; reading it twice gives the same memory")
    func zeroCopy() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/f32.safetensors", in: .module))
        let first = try file.tensor(named: "weight")
        let second = try file.tensor(named: "weight")
        #expect(first.storage.base == second.storage.base)
        // A converted tensor is decoded into fresh storage each time.
        let half = try SafeTensorsFile.open(Fixture.resource("safetensors/f16.safetensors", in: .module))
        let decoded = try half.tensor(named: "values")
        let decodedAgain = try half.tensor(named: "values")
        #expect(decoded.storage.base != decodedAgain.storage.base)
    }

    @Test("a zero-copy tensor outlives its SafeTensorsFile; its copy is writable and writes never reach the file")
    func zeroCopyLifetime() throws {
        let url = try Fixture.resource("safetensors/f32.safetensors", in: .module)
        let before = try SafeTensorsFixtures.readBytes(url)
        var tensor: Tensor? = try SafeTensorsFile.open(url).tensor(named: "bias")
        #expect(tensor?.toArray() == [0.5, -0.0, 65504.0])
        // The mapping is read-only (a write would fault), so a tensor to change is copied first.
        let copy = try #require(tensor).copy()
        copy[0] = 42
        #expect(copy[0] == 42)
        #expect(tensor?[0] == 0.5)
        tensor = nil
        #expect(try SafeTensorsFixtures.readBytes(url) == before)
    }

    @Test("the file is mapped read-only and private: a zero-copy tensor's pages are shared, never written")
    func mappingIsReadOnly() throws {
        let url = try Fixture.resource("safetensors/f32.safetensors", in: .module)
        let file = try SafeTensorsFile.open(url)
        let tensor = try file.tensor(named: "weight")
        let address = UInt(bitPattern: tensor.storage.base)
        // /proc/self/maps lines read "start-end perms offset dev inode path"; find the one holding the tensor.
        // Read to the end: /proc files report a size of 0, which a whole-file read would trust.
        let maps = String(decoding: try #require(FileHandle(forReadingAtPath: "/proc/self/maps")).readToEnd() ?? Data(), as: UTF8.self)
        let line = try #require(maps.split(separator: "\n").first { line in
            let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            return bounds.count == 2 && bounds[0] <= address && address < bounds[1]
        })
        let permissions = line.split(separator: " ")[1]
        #expect(permissions == "r--p", "mapping of \(url.lastPathComponent): \(line)")
        #expect(line.hasSuffix(url.lastPathComponent))
    }

    /// Two mappings of one file (here in one process; the ranks of a node are the same case across processes)
    /// read the same physical pages from the page cache: after both are read, each mapping's resident pages are
    /// all shared (mapped twice) and none is private or anonymous, so the weights are in memory once.
    @Test("two mappings of one file share its pages; reading makes no private copies")
    func mappingsSharePages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("weights.safetensors")
        let count = 1 << 20  // 4 MiB of floats: many pages
        try SafeTensorsWriter.write([("w", Tensor(shape: [count], values: (0..<count).map { Float($0 % 251) }))], to: url)
        let first = try SafeTensorsFile.open(url).tensor(named: "w")
        let second = try SafeTensorsFile.open(url).tensor(named: "w")
        #expect(first.storage.base != second.storage.base, "two mappings, at two addresses")
        #expect(first.toArray() == second.toArray())
        for tensor in [first, second] {
            let mapping = try #require(residentPages(ofMappingHolding: tensor.storage.base), "no mapping holds the tensor")
            let resident = try #require(mapping["Rss"])
            #expect(resident >= count * 4 / 1024, "the whole tensor was read: \(mapping)")
            #expect(mapping["Shared_Clean"] == resident, "every resident page is shared: \(mapping)")
            #expect(mapping["Private_Dirty"] == 0 && mapping["Anonymous"] == 0, "no private copies: \(mapping)")
        }
    }

    /// A loader that has copied every weight out of a file drops the mapping's resident pages
    /// (`WeightLoading.arena` does, so the file is not counted twice in memory): afterwards the mapping holds no
    /// resident page, and reading through it still gives the file's values. An in-memory copy (a decrypted file)
    /// keeps its pages, which are its only bytes.
    @Test("releasing a file's resident pages empties its mapping; reads fault them back; an in-memory copy keeps its bytes")
    func releasingResidentPages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-release-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("weights.safetensors")
        let count = 1 << 20
        let values = (0..<count).map { Float($0 % 251) }
        try SafeTensorsWriter.write([("w", Tensor(shape: [count], values: values))], to: url)
        let file = try SafeTensorsFile.open(url)
        let tensor = try file.tensor(named: "w")
        #expect(tensor.toArray() == values)
        let before = try #require(residentPages(ofMappingHolding: tensor.storage.base)?["Rss"])
        #expect(before >= count * 4 / 1024, "the whole tensor was read: \(before) kB")
        file.releaseResidentPages()
        #expect(residentPages(ofMappingHolding: tensor.storage.base)?["Rss"] == 0)
        #expect(tensor.toArray() == values)
        #expect(try #require(residentPages(ofMappingHolding: tensor.storage.base)?["Rss"]) >= count * 4 / 1024)

        let copy = try SafeTensorsFile.open(bytes: SafeTensorsFixtures.readBytes(url), url: url)
        let copied = try copy.tensor(named: "w")
        copy.releaseResidentPages()
        #expect(copied.toArray() == values)
    }
}
