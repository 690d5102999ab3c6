/// Why a checkpoint cannot be saved or used; each message names the folder or file and what is wrong.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The folder's manifest or a shard does not check out (missing, truncated, a hash or frame checksum that
    /// fails, an unknown format version).
    case corrupt(path: String, reason: String)
    /// The checkpoint belongs to other settings or another base model (or method).
    case mismatch(path: String, what: String, saved: String, now: String)
    /// A rank could not write its part; every rank fails the save together.
    case saveFailed(step: Int, reason: String)
    /// A tensor the job needs is not in the checkpoint, or has another shape.
    case missingTensor(path: String, name: String, reason: String)
    /// `--resume PATH` names nothing that could be a checkpoint.
    case notFound(path: String)
    /// The checkpoint is encrypted and no key was given.
    case keyNeeded(path: String)
    /// The checkpoint was encrypted with another key (named by its id), or is plain while a key was given.
    case wrongKey(path: String, reason: String)
    /// With the right key, something does not authenticate: the manifest's signature or a chunk.
    case notAuthentic(path: String, reason: String)

    public var description: String {
        switch self {
        case let .corrupt(path, reason):
            "The checkpoint '\(path)' is damaged: \(reason)."
        case let .mismatch(path, what, saved, now):
            "The checkpoint '\(path)' was saved with another \(what) (\(saved); this job: \(now)); resume it with the "
                + "settings it was made with, or give another checkpoint folder."
        case let .saveFailed(step, reason):
            "Saving the checkpoint of step \(step) failed on every rank: \(reason). The last complete checkpoint is kept."
        case let .missingTensor(path, name, reason):
            "The checkpoint '\(path)' cannot restore '\(name)': \(reason)."
        case let .notFound(path):
            "'\(path)' is not a checkpoint: neither a step folder with manifest.json nor a folder of them."
        case let .keyNeeded(path):
            "The checkpoint '\(path)' is encrypted: give its key with --encrypt-key-file (or \(CheckpointKey.environmentVariable))."
        case let .wrongKey(path, reason):
            "The checkpoint '\(path)' does not open with the key given: \(reason)."
        case let .notAuthentic(path, reason):
            "The checkpoint '\(path)' fails authentication: \(reason). It was changed after it was saved, or its files come from another checkpoint; nothing in it is used."
        }
    }
}
