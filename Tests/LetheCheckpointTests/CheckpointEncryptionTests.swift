import Foundation
import LetheCheckpoint
import LetheDistributed
import LetheIO
import LetheTensor
import Testing

/// Checkpoints encrypted at rest: the round trip, what a missing or wrong key gives, and that a changed manifest, a
/// missing signature, a renamed step or files moved between steps are caught before anything is used.
@Suite("Checkpoint encryption")
struct CheckpointEncryptionTests {
    typealias Plain = CheckpointFolderTests

    static func key(_ byte: UInt8) throws -> CheckpointKey {
        try CheckpointKey(bytes: (0..<32).map { UInt8(truncatingIfNeeded: Int($0) * 13) ^ byte })
    }

    static func save(_ folder: CheckpointFolder, step: Int, seed: UInt64 = 1, key: CheckpointKey?) throws -> URL {
        try folder.save(step: step, tensors: Plain.tensors(seed: seed), identity: Plain.identity,
                        state: ["optimizer_steps": "\(step)", "concept": "a private name"], keepLast: nil,
                        communicator: .singleProcess(), chunkBytes: 1024, key: key)
    }

    static func text(_ url: URL) throws -> String {
        try String(decoding: Data(contentsOf: url), as: UTF8.self)
    }

    @Test func roundTripRestoresTensorsAndState() throws {
        let folder = Plain.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let key = try Self.key(1)
        let step = try Self.save(folder, step: 3, key: key)
        let loaded = try LoadedCheckpoint(stepFolder: step, identity: Plain.identity, key: key)
        Plain.expectEqual(loaded, Plain.tensors(seed: 1))
        #expect(loaded.manifest.state == ["optimizer_steps": "3", "concept": "a private name"])
        #expect(loaded.manifest.encryption?.keyIdentifier == key.id)
        // On disk the state is sealed and no chunk is a zstd frame (each starts with its nonce).
        let manifest = try Self.text(step.appendingPathComponent("manifest.json"))
        #expect(!manifest.contains("a private name") && !manifest.contains("optimizer_steps"))
        let shard = try Data(contentsOf: step.appendingPathComponent(try #require(loaded.manifest.shards.first)))
        let zstdMagic = Data([0x28, 0xB5, 0x2F, 0xFD])
        let offsets = loaded.manifest.tensors.flatMap { $0.chunks.map(\.offset) }
        #expect(offsets.count > 5)
        #expect(offsets.allSatisfy { shard[$0..<($0 + 4)] != zstdMagic })
        // The same save without a key does start every chunk with zstd's magic number: the check above can fail.
        let plainStep = try Self.save(folder, step: 4, key: nil)
        let plain = try LoadedCheckpoint(stepFolder: plainStep)
        let plainShard = try Data(contentsOf: plainStep.appendingPathComponent(try #require(plain.manifest.shards.first)))
        #expect(plain.manifest.tensors.flatMap { $0.chunks.map(\.offset) }.allSatisfy { plainShard[$0..<($0 + 4)] == zstdMagic })
    }

    @Test func missingAndWrongKeysAreNamedAndPlainStepsRefusedWithAKey() throws {
        let folder = Plain.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let key = try Self.key(1), other = try Self.key(2)
        #expect(key.id != other.id && key.id.count == 16)
        let step = try Self.save(folder, step: 1, key: key)
        #expect(throws: CheckpointError.keyNeeded(path: step.path)) { try LoadedCheckpoint(stepFolder: step) }
        do {
            _ = try LoadedCheckpoint(stepFolder: step, key: other)
            Issue.record("a wrong key opened the checkpoint")
        } catch let error as CheckpointError {
            guard case .wrongKey = error else { Issue.record("expected wrongKey, got \(error)"); return }
            #expect(error.description.contains(key.id) && error.description.contains(other.id))
        }
        // Without a key the chunks' hashes are still checked, and nothing is read.
        let hashed = try LoadedCheckpoint(stepFolder: step, hashesOnly: true)
        #expect(hashed.tensors.isEmpty && hashed.manifest.state.isEmpty)
        let plainStep = try Self.save(folder, step: 2, key: nil)
        do {
            _ = try LoadedCheckpoint(stepFolder: plainStep, key: key)
            Issue.record("a plain step was taken with a key")
        } catch let error as CheckpointError {
            guard case .wrongKey = error else { Issue.record("expected wrongKey, got \(error)"); return }
        }
    }

    static func expectNotAuthentic(_ step: URL, key: CheckpointKey, _ what: String) {
        do {
            _ = try LoadedCheckpoint(stepFolder: step, key: key)
            Issue.record("\(what): the step was read")
        } catch let error as CheckpointError {
            guard case .notAuthentic = error else { Issue.record("\(what): expected notAuthentic, got \(error)"); return }
        } catch {
            Issue.record("\(what): unexpected \(error)")
        }
    }

    @Test func changedManifestMissingSignatureAndRenamedStepAreCaught() throws {
        let folder = Plain.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let key = try Self.key(1)
        let step = try Self.save(folder, step: 5, key: key)
        let manifestURL = step.appendingPathComponent("manifest.json")
        let original = try Data(contentsOf: manifestURL)
        // One character of the manifest: the world size it records.
        let changed = try Self.text(manifestURL).replacingOccurrences(of: "\"world_size\" : 1", with: "\"world_size\" : 2")
        #expect(changed.utf8.count == original.count && Data(changed.utf8) != original)
        try Data(changed.utf8).write(to: manifestURL)
        Self.expectNotAuthentic(step, key: key, "a changed manifest")
        try original.write(to: manifestURL)
        _ = try LoadedCheckpoint(stepFolder: step, key: key)

        let signature = step.appendingPathComponent("manifest.sig")
        let signed = try Data(contentsOf: signature)
        try FileManager.default.removeItem(at: signature)
        Self.expectNotAuthentic(step, key: key, "a missing signature")
        try signed.write(to: signature)

        let renamed = folder.url.appendingPathComponent("step-00000009")
        try FileManager.default.moveItem(at: step, to: renamed)
        Self.expectNotAuthentic(renamed, key: key, "a step renamed into another's place")
    }

    @Test func filesMovedBetweenStepsAreCaughtAndResumeFallsBack() throws {
        let folder = Plain.folder()
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let key = try Self.key(1)
        let first = try Self.save(folder, step: 1, seed: 1, key: key)
        let second = try Self.save(folder, step: 2, seed: 2, key: key)
        let manager = FileManager.default
        // Step 1's manifest and signature in step 2's folder: signed for another folder.
        for name in ["manifest.json", "manifest.sig"] {
            try manager.removeItem(at: second.appendingPathComponent(name))
            try manager.copyItem(at: first.appendingPathComponent(name), to: second.appendingPathComponent(name))
        }
        Self.expectNotAuthentic(second, key: key, "another step's manifest")
        // Resuming skips the forged newest step, saying why, and takes the one before.
        var logged: [String] = []
        let resumed = try folder.resume(.auto, identity: Plain.identity, key: key, communicator: .singleProcess(),
                                        log: { logged.append($0) })
        #expect(resumed?.manifest.step == 1)
        #expect(logged.contains { $0.contains("fails authentication") })
        Plain.expectEqual(try #require(resumed), Plain.tensors(seed: 1))

        // Step 1's shard in a step 3 of other values: its chunks no longer match the signed manifest's hashes.
        let third = try Self.save(folder, step: 3, seed: 3, key: key)
        let shard = try #require(try manager.contentsOfDirectory(atPath: third.path).first { $0.hasPrefix("shard-") })
        try manager.removeItem(at: third.appendingPathComponent(shard))
        try manager.copyItem(at: first.appendingPathComponent(shard), to: third.appendingPathComponent(shard))
        #expect(throws: CheckpointError.self) { try LoadedCheckpoint(stepFolder: third, key: key) }
    }

    @Test func keyFilesRawOrHexAndLoosePermissionsWarned() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let bytes: [UInt8] = (0..<32).map { UInt8($0 * 5 + 1) }
        let raw = base.appendingPathComponent("raw.key"), hex = base.appendingPathComponent("hex.key")
        try Data(bytes).write(to: raw)
        try Data((bytes.map { String(format: "%02x", $0) }.joined() + "\n").utf8).write(to: hex)
        chmod(raw.path, 0o600)
        chmod(hex.path, 0o644)
        let fromRaw = try CheckpointKey.load(path: raw.path), fromHex = try CheckpointKey.load(path: hex.path)
        #expect(fromRaw.key.id == fromHex.key.id)
        #expect(fromRaw.warning == nil)
        #expect(fromHex.warning?.contains("644") == true)
        // Generated key files parse, and two are different keys.
        let generated = [CheckpointKey.generateKeyFileText(), CheckpointKey.generateKeyFileText()]
        #expect(generated[0] != generated[1] && generated.allSatisfy { $0.count == 65 })
        let short = base.appendingPathComponent("short.key")
        try Data("abcd\n".utf8).write(to: short)
        #expect { try CheckpointKey.load(path: short.path) } throws: { error in
            "\(error)".contains("short.key") && "\(error)".contains("32 raw bytes or 64 hexadecimal digits")
        }
        #expect(throws: CheckpointKeyError.self) { try CheckpointKey.load(path: base.appendingPathComponent("missing").path) }
    }

    @Test func sealedFilesRoundTripAndRefuseWrongKeysPurposesAndChangedBytes() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-sealed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let key = try Self.key(1), other = try Self.key(2)
        let path = base.appendingPathComponent("learned_embeds.safetensors").path
        let plaintext: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try SealedFile.write(plaintext, to: path, key: key, purpose: "learned-embeddings")
        #expect(SealedFile.isSealed(path: path))
        #expect(try SealedFile.read(path: path, key: key, purpose: "learned-embeddings") == plaintext)
        let stored = try Data(contentsOf: URL(fileURLWithPath: path))
        // No run of the plaintext is in the file.
        #expect(stored.range(of: Data(plaintext[100..<132])) == nil)
        #expect(throws: SealedFileError.keyNeeded(path: path)) { try SealedFile.read(path: path, key: nil, purpose: "learned-embeddings") }
        #expect(throws: SealedFileError.wrongKey(path: path, sealedWith: key.id, given: other.id)) {
            try SealedFile.read(path: path, key: other, purpose: "learned-embeddings")
        }
        #expect(throws: SealedFileError.self) { try SealedFile.read(path: path, key: key, purpose: "checkpoint") }
        // One bit of the ciphertext, then the purpose in the first line (a file passed off as another kind).
        var flipped = stored
        flipped[flipped.count - 40] ^= 1
        try flipped.write(to: URL(fileURLWithPath: path))
        #expect(throws: SealedFileError.self) { try SealedFile.read(path: path, key: key, purpose: "learned-embeddings") }
        var header = Array(stored)
        let newline = try #require(header.firstIndex(of: UInt8(ascii: "\n")))
        header.replaceSubrange(0..<newline, with: Array("LETHE-SEALED v1 \(key.id) learned-embeddingz".utf8))
        try Data(header).write(to: URL(fileURLWithPath: path))
        #expect(throws: SealedFileError.self) { try SealedFile.read(path: path, key: key, purpose: "learned-embeddingz") }
        let plainPath = base.appendingPathComponent("plain").path
        try Data(plaintext).write(to: URL(fileURLWithPath: plainPath))
        #expect(!SealedFile.isSealed(path: plainPath))
        #expect(throws: SealedFileError.notSealed(path: plainPath)) { try SealedFile.read(path: plainPath, key: key, purpose: "x") }
    }
}
