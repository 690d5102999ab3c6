import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheIO
import LetheTensor
import LetheTestSupport
import Testing

/// Sharded checkpoints on one process: round trip, what each kind of damage gives, the fallback to the step before,
/// identity checks and retention. (Several ranks: Scripts/checkpoint-mpi-check.sh.)
@Suite("Checkpoint folder")
struct CheckpointFolderTests {
    static let identity = CheckpointIdentity(method: "test", settingsHash: "s1", baseModelHash: "m1")

    /// A temporary folder, removed by the caller.
    static func folder() -> CheckpointFolder {
        CheckpointFolder(FileManager.default.temporaryDirectory.appendingPathComponent("lethe-checkpoint-\(UUID().uuidString)"))
    }

    /// Float tensors of several chunks (with 1 KiB chunks), a scalar-sized one, an empty one and bytes.
    static func tensors(seed: UInt64) -> [CheckpointTensor] {
        let stream = RandomStream(seed: seed, purpose: "checkpoint-test", id: 0)
        return [
            CheckpointTensor("unet.down.weight", stream.normalTensor(shape: [30, 40])),
            CheckpointTensor("optimizer.exp_avg.unet.down.weight", stream.normalTensor(shape: [1200], startingAt: 5000)),
            CheckpointTensor("tiny", Tensor(shape: [1], values: [3.5])),
            CheckpointTensor("empty", Tensor(zeros: [0])),
            CheckpointTensor("images", bytes: (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }),
        ]
    }

    static func save(_ folder: CheckpointFolder, step: Int, seed: UInt64 = 1, keepLast: Int? = nil,
                     identity: CheckpointIdentity = identity) throws -> URL {
        try folder.save(step: step, tensors: tensors(seed: seed), identity: identity, state: ["optimizer_steps": "\(step)"],
                        keepLast: keepLast, communicator: .singleProcess(), chunkBytes: 1024)
    }

    static func expectEqual(_ loaded: LoadedCheckpoint, _ expected: [CheckpointTensor]) {
        #expect(loaded.tensors.count == expected.count)
        for tensor in expected {
            let found = loaded.tensors[tensor.name]
            #expect(found?.shape == tensor.shape, "\(tensor.name)")
            if let values = tensor.tensor {
                #expect(found?.tensor?.toArray() == values.toArray(), "\(tensor.name) values")
            } else {
                #expect(found?.bytes == tensor.bytes, "\(tensor.name) bytes")
            }
        }
    }

    @Test func roundTripIsBitwiseWithChunksAndHashes() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let step = try Self.save(folder, step: 7)
        #expect(step.lastPathComponent == "step-00000007")
        let loaded = try LoadedCheckpoint(stepFolder: step, identity: Self.identity)
        Self.expectEqual(loaded, Self.tensors(seed: 1))
        #expect(loaded.manifest.step == 7 && loaded.manifest.worldSize == 1 && loaded.manifest.state["optimizer_steps"] == "7")
        let record = try #require(loaded.manifest.tensors.first { $0.name == "unet.down.weight" })
        #expect(record.chunks.count == 5, "4800 bytes in 1 KiB chunks")
        #expect(record.chunks.allSatisfy { $0.sha256.count == 64 })
        // Nothing but the committed step is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["step-00000007"])
    }

    /// Plain zstd (no byte shuffle, `lethe bench checkpoint`'s comparison) reads back bit for bit and says so in the
    /// manifest; the default manifest leaves the key out, as manifests written before the setting existed.
    @Test func plainZstdRoundTripsAndIsRecorded() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let plain = try folder.save(step: 1, tensors: Self.tensors(seed: 3), identity: Self.identity, state: [:], keepLast: nil,
                                    communicator: .singleProcess(), chunkBytes: 1024, byteShuffle: false)
        let loaded = try LoadedCheckpoint(stepFolder: plain)
        Self.expectEqual(loaded, Self.tensors(seed: 3))
        #expect(loaded.manifest.tensors.allSatisfy { $0.byteShuffle == ($0.dtype == .float32 ? false : nil) })
        let shuffled = try Self.save(folder, step: 2, seed: 3)
        let text = try String(contentsOf: shuffled.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(!text.contains("byte_shuffle"))
        #expect(try String(contentsOf: plain.appendingPathComponent("manifest.json"), encoding: .utf8).contains("\"byte_shuffle\" : false"))
    }

    /// Reading some tensors only still checks every chunk of the others against its SHA-256.
    @Test func readingSomeTensorsStillChecksTheOthers() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let step = try Self.save(folder, step: 1)
        let some = try LoadedCheckpoint(stepFolder: step, reading: { $0.hasPrefix("unet.") })
        #expect(Array(some.tensors.keys) == ["unet.down.weight"])
        #expect(some.tensors["unet.down.weight"]?.tensor?.toArray() == Self.tensors(seed: 1)[0].tensor?.toArray())
        // Damage a chunk of a tensor that is not read: the step does not check out.
        let record = try #require(some.manifest.tensors.first { $0.name == "images" })
        let shard = step.appendingPathComponent(record.shard)
        var bytes = try Data(contentsOf: shard)
        bytes[record.chunks[0].offset + 3] ^= 0x40
        try bytes.write(to: shard)
        let error = #expect(throws: CheckpointError.self) { try LoadedCheckpoint(stepFolder: step, reading: { $0.hasPrefix("unet.") }) }
        #expect(error?.description.contains("a chunk of 'images' does not match its SHA-256") == true, "\(String(describing: error))")
    }

    /// Each kind of damage to the newest step is named, and resuming falls back to the step before it.
    @Test(arguments: ["flip a byte", "truncate the shard", "delete the shard", "delete the manifest", "wrong format version"])
    func damageIsDetectedAndTheStepBeforeIsUsed(_ damage: String) throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try Self.save(folder, step: 1, seed: 1)
        let newest = try Self.save(folder, step: 2, seed: 2)
        let shard = newest.appendingPathComponent("shard-00000-of-00001.zst")
        let manifest = newest.appendingPathComponent("manifest.json")
        var expected = ""
        switch damage {
        case "flip a byte":
            var bytes = try Data(contentsOf: shard)
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: shard)
            expected = "does not match its SHA-256"
        case "truncate the shard":
            let bytes = try Data(contentsOf: shard)
            try bytes.prefix(bytes.count - 100).write(to: shard)
            expected = "past the end of the file"
        case "delete the shard":
            try FileManager.default.removeItem(at: shard)
            expected = "the shard cannot be read"
        case "delete the manifest":
            try FileManager.default.removeItem(at: manifest)
            expected = "its manifest cannot be read"
        default:
            let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99")
            try text.write(to: manifest, atomically: true, encoding: .utf8)
            expected = "version 99; this Lethe reads 'lethe-checkpoint' version 1"
        }
        let error = #expect(throws: CheckpointError.self) { try LoadedCheckpoint(stepFolder: newest, identity: Self.identity) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        var warnings: [String] = []
        let resumed = try folder.resume(.auto, identity: Self.identity, communicator: .singleProcess()) { warnings.append($0) }
        #expect(resumed?.manifest.step == 1)
        Self.expectEqual(try #require(resumed), Self.tensors(seed: 1))
        #expect(warnings.count == 1 && warnings[0].contains("step-00000002") && warnings[0].contains(expected))
    }

    @Test func otherSettingsOrModelAreRefusedNotSkipped() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        _ = try Self.save(folder, step: 3)
        for (other, what) in [(CheckpointIdentity(method: "test", settingsHash: "s2", baseModelHash: "m1"), "settings"),
                              (CheckpointIdentity(method: "test", settingsHash: "s1", baseModelHash: "m2"), "base model"),
                              (CheckpointIdentity(method: "other", settingsHash: "s1", baseModelHash: "m1"), "method")] {
            let error = #expect(throws: CheckpointError.self) {
                try folder.resume(.auto, identity: other, communicator: .singleProcess())
            }
            #expect(error?.description.contains("saved with another \(what)") == true, "\(String(describing: error))")
        }
    }

    @Test func emptyFolderMeansAFreshStartAndAGivenPathMustExist() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        #expect(try folder.resume(.auto, identity: Self.identity, communicator: .singleProcess()) == nil)
        #expect(throws: CheckpointError.notFound(path: folder.url.path)) {
            try folder.resume(.path(folder.url.path), identity: Self.identity, communicator: .singleProcess())
        }
        let step = try Self.save(folder, step: 4)
        #expect(try folder.resume(.path(step.path), identity: Self.identity, communicator: .singleProcess())?.manifest.step == 4)
        // A step folder given by its path is that step: its damage is the error, not a fallback.
        try FileManager.default.removeItem(at: step.appendingPathComponent("shard-00000-of-00001.zst"))
        _ = try Self.save(folder, step: 3)
        let error = #expect(throws: CheckpointError.self) {
            try folder.resume(.path(step.path), identity: Self.identity, communicator: .singleProcess())
        }
        #expect(error?.description.contains("the shard cannot be read") == true, "\(String(describing: error))")
        #expect(try folder.resume(.path(folder.url.path), identity: nil, communicator: .singleProcess())?.manifest.step == 3)
    }

    @Test func retentionKeepsTheNewestAndAStaleStagingFolderIsRemoved() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        for step in 1...4 { _ = try Self.save(folder, step: step, keepLast: 2) }
        #expect(folder.steps().map(\.step) == [4, 3])
        // A save killed half-way leaves a staging folder: never taken for a checkpoint, and cleared by the next save.
        let stale = folder.url.appendingPathComponent(".step-00000005.partial")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: false)
        #expect(folder.steps().map(\.step) == [4, 3])
        _ = try Self.save(folder, step: 6, keepLast: 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["step-00000004", "step-00000006"])
    }

    @Test func tensorsAreSharedOutByNameAndSizeAcrossRanks() {
        let tensors = (0..<7).map { CheckpointTensor("t\($0)", Tensor(zeros: [($0 + 1) * 10])) }
        let owners = CheckpointFolder.owners(of: tensors, ranks: 3)
        #expect(owners == CheckpointFolder.owners(of: tensors.reversed(), ranks: 3).reversed())
        var bytes = [Int](repeating: 0, count: 3)
        for (tensor, owner) in zip(tensors, owners) { bytes[owner] += tensor.byteCount }
        #expect(bytes.max()! - bytes.min()! <= 70 * 4, "balanced: \(bytes)")
        #expect(Set(CheckpointFolder.owners(of: tensors, ranks: 10)).count == 7, "one tensor per rank when there are more ranks")
    }
}
