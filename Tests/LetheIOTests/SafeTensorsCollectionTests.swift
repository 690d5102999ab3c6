import Foundation
import LetheIO
import LetheTensor
import LetheTestSupport
import Testing

@Suite("Safetensors shard indexes and collections")
struct SafeTensorsCollectionTests {
    static let shardNames = ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                             "model-00003-of-00003.safetensors"]
    static let indexName = "model.safetensors.index.json"

    /// A writable copy of the Python-written sharded checkpoint.
    static func copyOfShardedFixture() throws -> URL {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        for name in shardNames + [indexName] {
            try FileManager.default.copyItem(
                at: Fixture.resource("safetensors/sharded/" + name, in: .module), to: folder.appendingPathComponent(name))
        }
        return folder
    }

    /// Rewrites the copy's index with a changed weight map.
    static func editWeightMap(in folder: URL, _ change: (inout [String: String]) -> Void) throws {
        let url = folder.appendingPathComponent(indexName)
        var index = try SafeTensorsIndex.load(from: url)
        change(&index.weightMap)
        try index.write(to: url)
    }

    static func openError(_ url: URL) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsCollection.open(url)
            return nil
        } catch {
            return error
        }
    }

    @Test("the index, the folder and the shards give one merged view with Python's values")
    func mergedView() throws {
        let expected = try SafeTensorsFixtures.expected()
        let indexURL = try Fixture.resource("safetensors/sharded/" + Self.indexName, in: .module)
        for collection in [try SafeTensorsCollection.openIndex(indexURL), try SafeTensorsCollection.open(indexURL),
                           try SafeTensorsCollection.open(indexURL.deletingLastPathComponent())] {
            #expect(collection.tensorNames == ["decoder.bias", "decoder.weight", "encoder.bias", "encoder.weight", "head.scale"])
            #expect(collection.files.count == 3)
            #expect(collection.indexes.count == 1)
            #expect(collection.indexes.first?.index.totalSize == 168)
            for shard in Self.shardNames {
                let tensors = try #require((expected["sharded/" + shard] as? [String: Any])?["tensors"] as? [String: [String: Any]])
                for (name, description) in tensors {
                    #expect(collection.file(containing: name)?.url.lastPathComponent == shard)
                    #expect(collection.info(named: name)?.shape == description["shape"] as? [Int])
                    #expect(try collection.tensor(named: name).toArray().map { Int($0.bitPattern) } == description["f32_bits"] as? [Int])
                    let hex = try #require(description["hex"] as? String)
                    #expect(try collection.rawBytes(named: name) == SafeTensorsFixtures.bytes(fromHex: hex))
                }
            }
            #expect(throws: SafeTensorsError.tensorNotFound(path: collection.location, tensor: "missing")) {
                try collection.tensor(named: "missing")
            }
        }
    }

    @Test("a single file opens as a one-file collection")
    func singleFile() throws {
        let url = try Fixture.resource("safetensors/mixed.safetensors", in: .module)
        let collection = try SafeTensorsCollection.open(url)
        #expect(collection.tensorNames == (try SafeTensorsFile.open(url).tensorNames))
        #expect(try collection.int64Values(named: "ids") == [0, -1, 1 << 40, -(1 << 62)])
        #expect(collection.indexes.isEmpty)
    }

    @Test("the index is re-encoded exactly as Python's json.dumps(indent=2, sort_keys=True) wrote it")
    func indexEncoding() throws {
        let url = try Fixture.resource("safetensors/sharded/" + Self.indexName, in: .module)
        #expect(try SafeTensorsIndex.load(from: url).encoded() == SafeTensorsFixtures.readBytes(url))
        // json.dumps escapes non-ASCII as \uXXXX (surrogate pairs above the BMP) and control characters.
        let index = SafeTensorsIndex(metadata: [:], weightMap: ["é😀\t": "a.safetensors"])
        #expect(String(decoding: index.encoded(), as: UTF8.self)
                    == "{\n  \"metadata\": {},\n  \"weight_map\": {\n    \"\\u00e9\\ud83d\\ude00\\t\": \"a.safetensors\"\n  }\n}\n")
    }

    @Test("a shard that does not exist")
    func missingShard() throws {
        let folder = try Self.copyOfShardedFixture()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent(Self.shardNames[1]))
        let index = folder.appendingPathComponent(Self.indexName)
        #expect(Self.openError(index) == .shardMissing(index: index.path, shard: folder.appendingPathComponent(Self.shardNames[1]).path))
    }

    @Test("the weight map names a tensor its shard does not hold")
    func tensorMissingFromShard() throws {
        let folder = try Self.copyOfShardedFixture()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        try Self.editWeightMap(in: folder) { $0["decoder.weight"] = Self.shardNames[2] }
        let index = folder.appendingPathComponent(Self.indexName)
        #expect(Self.openError(index) == .tensorMissingFromShard(index: index.path, tensor: "decoder.weight",
                                                                 shard: folder.appendingPathComponent(Self.shardNames[2]).path))
        try Self.editWeightMap(in: folder) {
            $0["decoder.weight"] = Self.shardNames[0]
            $0["ghost"] = Self.shardNames[0]
        }
        #expect(Self.openError(index) == .tensorMissingFromShard(index: index.path, tensor: "ghost",
                                                                 shard: folder.appendingPathComponent(Self.shardNames[0]).path))
    }

    @Test("a shard holds a tensor the weight map does not list")
    func tensorNotInIndex() throws {
        let folder = try Self.copyOfShardedFixture()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        try Self.editWeightMap(in: folder) { $0["head.scale"] = nil }
        let index = folder.appendingPathComponent(Self.indexName)
        #expect(Self.openError(index) == .tensorNotInIndex(index: index.path, tensor: "head.scale",
                                                           shard: folder.appendingPathComponent(Self.shardNames[2]).path))
    }

    @Test("a tensor present in two shards")
    func tensorInTwoShards() throws {
        let folder = try Self.copyOfShardedFixture()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        // Rewrite shard 3 with a copy of decoder.weight (which the index puts in shard 1).
        let shard1 = try SafeTensorsFile.open(folder.appendingPathComponent(Self.shardNames[0]))
        let shard3URL = folder.appendingPathComponent(Self.shardNames[2])
        let shard3 = try SafeTensorsFile.open(shard3URL)
        let entries = try shard3.tensorNames.map { try SafeTensorsEntry(copying: $0, from: shard3) }
            + [try SafeTensorsEntry(copying: "decoder.weight", from: shard1)]
        try SafeTensorsWriter.write(entries: entries, metadata: shard3.metadata, to: shard3URL)
        let index = folder.appendingPathComponent(Self.indexName)
        #expect(Self.openError(index) == .tensorInSeveralFiles(tensor: "decoder.weight", first: shard1.path, second: shard3URL.path))
    }

    @Test("malformed indexes", arguments: [
        "{", "[]", #"{"metadata":{}}"#, #"{"weight_map":[]}"#, #"{"weight_map":{"a":3}}"#,
        #"{"weight_map":{"a":"../x.safetensors"}}"#, #"{"weight_map":{"a":"/abs.safetensors"}}"#,
        #"{"weight_map":{"a":"x.safetensors","a":"y.safetensors"}}"#, #"{"metadata":3,"weight_map":{}}"#,
    ])
    func malformedIndex(json: String) throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        let url = folder.appendingPathComponent(Self.indexName)
        try Data(json.utf8).write(to: url)
        guard case .invalidIndex(let path, _)? = Self.openError(url) else {
            Issue.record("expected invalidIndex for \(json)")
            return
        }
        #expect(path == url.path)
    }

    @Test("a folder of files merges them and rejects a tensor found twice; an empty folder has nothing")
    func folderOfFiles() throws {
        let folder = try SafeTensorsFixtures.temporaryFolder()
        defer { SafeTensorsFixtures.cleanUp(folder) }
        #expect(Self.openError(folder) == .noSafeTensorsFound(path: folder.path))

        try SafeTensorsWriter.write([("a", Tensor(shape: [1], values: [1]))], to: folder.appendingPathComponent("one.safetensors"))
        try SafeTensorsWriter.write([("b", Tensor(shape: [1], values: [2]))], to: folder.appendingPathComponent("two.safetensors"))
        let collection = try SafeTensorsCollection.open(folder)
        #expect(collection.tensorNames == ["a", "b"])
        #expect(try collection.tensor(named: "b").toArray() == [2])

        try SafeTensorsWriter.write([("a", Tensor(shape: [1], values: [3]))], to: folder.appendingPathComponent("three.safetensors"))
        #expect(Self.openError(folder) == .tensorInSeveralFiles(tensor: "a", first: folder.appendingPathComponent("one.safetensors").path,
                                                                second: folder.appendingPathComponent("three.safetensors").path))
    }
}
