import Foundation
import LetheDistributed
import LetheIO

/// A folder of checkpoints, one committed `step-NNNNNNNN` folder per save, written together by the ranks of a job.
///
/// Save: rank 0 prepares a hidden staging folder; each rank writes its shard (its share of the tensors, assigned by
/// name and size) to a temporary file, flushes it and renames it; rank 0 then writes the manifest the same way and
/// renames the staging folder to `step-N` last. Every phase ends with all ranks agreeing that it worked (a failure
/// anywhere fails the save everywhere, and nothing half-written is ever named `step-N`). Resume: rank 0 picks the
/// newest step whose manifest and every chunk's SHA-256 check out (a damaged one is reported and the one before it
/// used), every rank reads that one.
public struct CheckpointFolder: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url
    }

    static let manifestName = "manifest.json"
    /// Beside the manifest of an encrypted step: its HMAC-SHA256 (see `CheckpointKey`), hexadecimal.
    static let signatureName = "manifest.sig"

    static func stepName(_ step: Int) -> String { String(format: "step-%08d", step) }

    /// The step folders a path names: the step folder itself (it has a manifest), or every committed step of the
    /// checkpoint folder it is, newest first; neither is an error.
    public static func stepFolders(at path: String) throws -> [URL] {
        let given = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: given.appendingPathComponent(manifestName).path) { return [given] }
        let steps = CheckpointFolder(given).steps().map(\.url)
        guard !steps.isEmpty else { throw CheckpointError.notFound(path: path) }
        return steps
    }

    /// The committed step folders, newest first.
    public func steps() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)), step >= 0 else { return nil }
            return (step, url.appendingPathComponent(name))
        }.sorted { $0.0 > $1.0 }
    }

    /// Saves `tensors` (the same on every rank) as step `step` and keeps the newest `keepLast` steps (nil: all).
    /// With `key`, every chunk and the state are encrypted and the manifest signed (see `CheckpointKey`). Every rank
    /// of `communicator` calls this together. Returns the committed step folder.
    @discardableResult
    public func save(step: Int, tensors: [CheckpointTensor], identity: CheckpointIdentity, state: [String: String],
                     keepLast: Int? = nil, key: CheckpointKey? = nil, communicator: Communicator) throws -> URL {
        try save(step: step, tensors: tensors, identity: identity, state: state, keepLast: keepLast,
                 communicator: communicator, chunkBytes: CheckpointShard.chunkBytes, key: key)
    }

    /// `save` with chunks of at most `chunkBytes` (16 MiB by default; tests use small ones to cut tensors into
    /// several chunks) and float32 values byte-shuffled before compression or not (`byteShuffle`, on by default;
    /// off only to measure what shuffling gains).
    public func save(step: Int, tensors: [CheckpointTensor], identity: CheckpointIdentity, state: [String: String],
                     keepLast: Int?, communicator: Communicator, chunkBytes: Int, byteShuffle: Bool = true,
                     key: CheckpointKey? = nil) throws -> URL {
        let manager = FileManager.default
        let final = url.appendingPathComponent(Self.stepName(step))
        let staging = url.appendingPathComponent(".\(Self.stepName(step)).partial")
        let failed = { (reason: String) in CheckpointError.saveFailed(step: step, reason: reason) }
        try Collective.run(communicator, failure: failed) {
            guard communicator.rank == 0 else { return }
            try manager.createDirectory(at: url, withIntermediateDirectories: true)
            // A staging folder of this step left by a killed save is not a checkpoint: start it again.
            for name in try manager.contentsOfDirectory(atPath: url.path) where name.hasPrefix(".step-") && name.hasSuffix(".partial") {
                try manager.removeItem(at: url.appendingPathComponent(name))
            }
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        }
        // Each rank writes the tensors assigned to it.
        let owners = Self.owners(of: tensors, ranks: communicator.size)
        let mine = tensors.indices.filter { owners[$0] == communicator.rank }.map { tensors[$0] }
        let shardName = String(format: "shard-%05d-of-%05d.zst", communicator.rank, communicator.size)
        var records: [CheckpointManifest.TensorRecord] = []
        try Collective.run(communicator, failure: failed) {
            guard !mine.isEmpty else { return }
            CheckpointFault.reached("shard-start", step: step, rank: communicator.rank)
            records = try CheckpointShard.write(mine, to: staging.appendingPathComponent(shardName).path, shardName: shardName,
                                                chunkBytes: chunkBytes, byteShuffle: byteShuffle,
                                                sealing: key.map { .init(key: $0, step: step) },
                                                afterFirstChunk: { CheckpointFault.reached("shard-partial", step: step, rank: communicator.rank) })
            CheckpointFault.reached("shard-written", step: step, rank: communicator.rank)
        }
        let encoded = try JSONEncoder().encode(records)
        let counts = try communicator.allgather(encoded.count)
        let gathered = try communicator.allgatherv([UInt8](encoded), counts: counts)
        try Collective.run(communicator, failure: failed) {
            guard communicator.rank == 0 else { return }
            var all: [CheckpointManifest.TensorRecord] = []
            var start = 0
            for count in counts {
                all += try JSONDecoder().decode([CheckpointManifest.TensorRecord].self,
                                                from: Data(gathered[start..<(start + count)]))
                start += count
            }
            let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
            var manifest = CheckpointManifest(
                step: step, worldSize: communicator.size, identity: identity, state: key == nil ? state : [:],
                tensors: tensors.compactMap { byName[$0.name] },
                shards: Array(Set(all.map(\.shard))).sorted())
            if let key {
                let sealed = try key.seal(try JSONEncoder().encode(state), context: Self.stateContext(step: step))
                manifest.encryption = .init(cipher: CheckpointKey.cipher, keyIdentifier: key.id, sealedState: Data(sealed).base64EncodedString())
            }
            let manifestBytes = Array(try manifest.json())
            if let key {
                let signature = key.signature(manifest: manifestBytes, stepFolder: Self.stepName(step))
                try AtomicFileOutput.write(Array("\(signature)\n".utf8), to: staging.appendingPathComponent(Self.signatureName).path)
            }
            try AtomicFileOutput.write(manifestBytes, to: staging.appendingPathComponent(Self.manifestName).path)
            CheckpointFault.reached("manifest-written", step: step, rank: 0)
            if manager.fileExists(atPath: final.path) { try manager.removeItem(at: final) }
            guard rename(staging.path, final.path) == 0 else {
                throw FileIOError.systemCall(.renameTemporary, path: final.path, errno: errno)
            }
            AtomicFileOutput.syncFolder(url.path)
            CheckpointFault.reached("step-renamed", step: step, rank: 0)
            if let keepLast {
                for old in steps().dropFirst(max(keepLast, 1)) { try manager.removeItem(at: old.url) }
            }
        }
        return final
    }

    static func stateContext(step: Int) -> String { "step \(step)\u{0}state" }

    /// The rank that writes each tensor: largest first, each to the rank with the fewest bytes so far (the lowest
    /// rank on a tie), so the shards are about even and the assignment depends only on the tensors and the rank count.
    public static func owners(of tensors: [CheckpointTensor], ranks: Int) -> [Int] {
        var load = [Int](repeating: 0, count: ranks)
        var owners = [Int](repeating: 0, count: tensors.count)
        let order = tensors.indices.sorted {
            tensors[$0].byteCount != tensors[$1].byteCount ? tensors[$0].byteCount > tensors[$1].byteCount
                : tensors[$0].name < tensors[$1].name
        }
        for index in order {
            let rank = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 } ?? 0
            owners[index] = rank
            load[rank] += tensors[index].byteCount
        }
        return owners
    }
}

/// A phase every rank runs: the ranks agree whether it worked, so all of them fail together (with this rank's own
/// error, or `failure` naming the rank that failed) and none waits in a later collective for one that stopped.
enum Collective {
    static func run(_ communicator: Communicator, failure: (String) -> Error, _ body: () throws -> Void) throws {
        var local: Error?
        do { try body() } catch { local = error }
        let failedRank = try communicator.allreduce(local == nil ? Int32.max : Int32(communicator.rank), op: .min)
        if let local { throw local }
        if failedRank != Int32.max { throw failure("rank \(failedRank) failed") }
    }
}
