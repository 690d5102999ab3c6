import Foundation
import LetheDistributed
import LetheIO

/// A checkpoint read back: its manifest and every tensor by name, each chunk checked against its SHA-256.
public struct LoadedCheckpoint: Sendable {
    public let url: URL
    public let manifest: CheckpointManifest
    /// The tensors read (those `reading` accepted; every one by default).
    public let tensors: [String: CheckpointTensor]

    /// Reads a step folder and checks everything in it; with `identity`, also that it belongs to this job. Only the
    /// tensors whose names `reading` accepts are decompressed and kept; the others' chunks are still checked
    /// against their SHA-256, so the step checks out as a whole either way. An encrypted step needs its `key`, and a
    /// key refuses a plain step (a plain step put in an encrypted job's place); with `hashesOnly` an encrypted step
    /// without a key has its chunks checked against their SHA-256 and nothing read (`lethe checkpoint verify`).
    public init(stepFolder url: URL, identity: CheckpointIdentity? = nil, key: CheckpointKey? = nil, hashesOnly: Bool = false,
                reading: (String) -> Bool = { _ in true }) throws {
        let manifestURL = url.appendingPathComponent(CheckpointFolder.manifestName)
        let manifestBytes: Data
        var manifest: CheckpointManifest
        do {
            manifestBytes = try InputFile.data(manifestURL, limit: 256 << 20)
        } catch {
            throw CheckpointError.corrupt(path: url.path, reason: "its manifest cannot be read (\(error.message))")
        }
        do {
            manifest = try CheckpointManifest(json: manifestBytes)
        } catch {
            throw CheckpointError.corrupt(path: manifestURL.path, reason: "it is not a Lethe checkpoint manifest (\(error))")
        }
        guard manifest.format == CheckpointManifest.formatName,
              manifest.formatVersion == CheckpointManifest.currentFormatVersion else {
            throw CheckpointError.corrupt(
                path: manifestURL.path,
                reason: "it is format '\(manifest.format)' version \(manifest.formatVersion); this Lethe reads "
                    + "'\(CheckpointManifest.formatName)' version \(CheckpointManifest.currentFormatVersion)")
        }
        let sealing = try Self.authenticate(&manifest, bytes: manifestBytes, folder: url, key: key, hashesOnly: hashesOnly)
        let readsNothing = manifest.encryption != nil && sealing == nil
        if let identity {
            for (what, saved, now) in [("method", manifest.identity.method, identity.method),
                                       ("settings", manifest.identity.settingsHash, identity.settingsHash),
                                       ("base model", manifest.identity.baseModelHash, identity.baseModelHash)] where saved != now {
                throw CheckpointError.mismatch(path: url.path, what: what, saved: String(saved.prefix(16)), now: String(now.prefix(16)))
            }
        }
        var files: [String: MappedFile] = [:]
        for shard in manifest.shards {
            guard !shard.contains("/"), shard.hasPrefix("shard-") else {
                throw CheckpointError.corrupt(path: manifestURL.path, reason: "it names the shard '\(shard)'")
            }
            do {
                files[shard] = try MappedFile(path: url.appendingPathComponent(shard).path)
            } catch {
                throw CheckpointError.corrupt(path: url.appendingPathComponent(shard).path, reason: "the shard cannot be read (\(error))")
            }
        }
        var tensors: [String: CheckpointTensor] = [:]
        for record in manifest.tensors {
            guard let file = files[record.shard] else {
                throw CheckpointError.corrupt(path: manifestURL.path, reason: "'\(record.name)' is in '\(record.shard)', which is not a listed shard")
            }
            if reading(record.name) && !readsNothing {
                tensors[record.name] = try CheckpointShard.read(record, folder: url, file: file, sealing: sealing)
            } else {
                try CheckpointShard.verify(record, file: file, sealing: sealing)
            }
        }
        self.url = url
        self.manifest = manifest
        self.tensors = tensors
    }

    /// Checks an encrypted step's key and signature and opens its state into `manifest.state`; returns how its
    /// chunks open (nil: a plain step, or an encrypted one checked by hashes only).
    private static func authenticate(_ manifest: inout CheckpointManifest, bytes: Data, folder url: URL, key: CheckpointKey?,
                                     hashesOnly: Bool) throws -> CheckpointShard.Sealing? {
        guard let encryption = manifest.encryption else {
            if key != nil {
                throw CheckpointError.wrongKey(path: url.path, reason: "it is not encrypted, and a key was given (a plain "
                    + "checkpoint is not taken in place of an encrypted job's)")
            }
            return nil
        }
        guard let key else {
            if hashesOnly { return nil }
            throw CheckpointError.keyNeeded(path: url.path)
        }
        guard encryption.cipher == CheckpointKey.cipher else {
            throw CheckpointError.corrupt(path: url.path, reason: "its cipher '\(encryption.cipher)' is not \(CheckpointKey.cipher)")
        }
        guard encryption.keyIdentifier == key.id else {
            throw CheckpointError.wrongKey(path: url.path, reason: "it was encrypted with the key whose id is \(encryption.keyIdentifier); "
                + "the key given has id \(key.id)")
        }
        let signaturePath = url.appendingPathComponent(CheckpointFolder.signatureName).path
        guard let signature = try? InputFile.text(signaturePath, limit: 4096) else {
            throw CheckpointError.notAuthentic(path: url.path, reason: "its signature \(CheckpointFolder.signatureName) is missing or unreadable")
        }
        guard key.isAuthentic(manifest: bytes, stepFolder: url.standardizedFileURL.lastPathComponent, signature: signature) else {
            throw CheckpointError.notAuthentic(path: url.path, reason: "\(CheckpointFolder.manifestName) does not match its signature "
                + "(for this step folder's name)")
        }
        guard let sealed = Data(base64Encoded: encryption.sealedState),
              let state = key.open(sealed, context: CheckpointFolder.stateContext(step: manifest.step)),
              let decoded = try? JSONDecoder().decode([String: String].self, from: Data(state)) else {
            throw CheckpointError.notAuthentic(path: url.path, reason: "its state does not decrypt")
        }
        manifest.state = decoded
        return CheckpointShard.Sealing(key: key, step: manifest.step)
    }

    /// The float32 tensor `name` with `count` values (any shape), or an error naming what is missing.
    public func values(_ name: String, count: Int) throws -> CheckpointTensor {
        guard let tensor = tensors[name] else {
            throw CheckpointError.missingTensor(path: url.path, name: name, reason: "the checkpoint has no such tensor")
        }
        guard tensor.shape.reduce(1, *) == count else {
            throw CheckpointError.missingTensor(path: url.path, name: name,
                                                reason: "it has shape \(tensor.shape), this job needs \(count) values")
        }
        return tensor
    }
}

extension CheckpointFolder {
    /// Where a job resumes from: `auto` is the newest good step of this folder (nil: none yet, a fresh start);
    /// a path is that step folder, or the newest good step of that folder.
    public enum ResumeFrom: Sendable, Equatable {
        case auto
        case path(String)
    }

    /// The checkpoint to resume from, read on every rank. Rank 0 chooses it: the newest step whose manifest and
    /// chunks check out (a damaged step is reported through `log` and the one before it tried; a step folder given
    /// by its path is that step or its error); a step of other settings or another base model is an error (nil
    /// `identity`: any step will do). `reading` chooses the tensors kept, as in `LoadedCheckpoint`. Every rank of
    /// `communicator` calls this together.
    public func resume(_ from: ResumeFrom, identity: CheckpointIdentity?, key: CheckpointKey? = nil, communicator: Communicator,
                       log: (String) -> Void = { _ in }, reading: (String) -> Bool = { _ in true }) throws -> LoadedCheckpoint? {
        var chosen = ""
        var loaded: LoadedCheckpoint?
        try Collective.run(communicator, failure: { CheckpointError.corrupt(path: url.path, reason: $0) }) {
            guard communicator.rank == 0 else { return }
            let candidates: [URL]
            var onlyStep = false
            switch from {
            case .auto:
                candidates = steps().map(\.url)
            case .path(let path):
                candidates = try Self.stepFolders(at: path)
                onlyStep = candidates == [URL(fileURLWithPath: path)]
            }
            for candidate in candidates {
                do {
                    loaded = try LoadedCheckpoint(stepFolder: candidate, identity: identity, key: key, reading: reading)
                    chosen = candidate.path
                    return
                } catch let error as CheckpointError {
                    let damaged = switch error { case .corrupt, .notAuthentic: true; default: false }
                    if damaged, !onlyStep {
                        log("warning: \(error) Trying the checkpoint before it.")
                        continue
                    }
                    throw error
                }
            }
            if case .path(let path) = from { throw CheckpointError.corrupt(path: path, reason: "no step in it checks out") }
        }
        chosen = try communicator.broadcast(string: chosen, root: 0)
        guard !chosen.isEmpty else { return nil }
        // Rank 0 has read it already; the others read it now.
        try Collective.run(communicator, failure: { CheckpointError.corrupt(path: chosen, reason: $0) }) {
            if loaded == nil {
                loaded = try LoadedCheckpoint(stepFolder: URL(fileURLWithPath: chosen), identity: identity, key: key, reading: reading)
            }
        }
        return loaded
    }
}
