import Foundation

/// A test hook for the fault tests (`Scripts/fault-mpi-check.sh`): `LETHE_TEST_FAULT=POINT@STEP:RANK` kills this
/// process with SIGKILL when rank RANK reaches POINT while saving step STEP, the way a node failure or the OOM
/// killer ends a rank: no handler runs, no file is closed. Unset (every real run), `reached` only compares a cached
/// nil. The points, in the order a save passes them:
///
/// - `shard-start`: a rank is about to write its shard;
/// - `shard-partial`: its shard's temporary file holds its first chunk, not yet the rest;
/// - `shard-written`: its shard is complete and renamed into the staging folder;
/// - `manifest-written`: rank 0 wrote the manifest; the staging folder is not yet renamed to `step-N`;
/// - `step-renamed`: rank 0 renamed the step folder into place; retention and the last agreement have not run.
public enum CheckpointFault {
    public static let environmentVariable = "LETHE_TEST_FAULT"

    public static let points = ["shard-start", "shard-partial", "shard-written", "manifest-written", "step-renamed"]

    /// The fault asked for, parsed once.
    private static let requested: (point: String, step: Int, rank: Int)? = {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable] else { return nil }
        let parts = text.split(whereSeparator: { $0 == "@" || $0 == ":" }).map(String.init)
        guard parts.count == 3, points.contains(parts[0]), let step = Int(parts[1]), let rank = Int(parts[2]) else {
            FileHandle.standardError.write(Data("lethe: \(environmentVariable)='\(text)' is not POINT@STEP:RANK with POINT one of \(points.joined(separator: ", ")); ignored\n".utf8))
            return nil
        }
        return (parts[0], step, rank)
    }()

    /// Kills the process if this is the requested point.
    static func reached(_ point: String, step: Int, rank: Int) {
        guard let requested, requested.point == point, requested.step == step, requested.rank == rank else { return }
        FileHandle.standardError.write(Data("lethe (rank \(rank)): \(environmentVariable): SIGKILL at \(point) of step \(step)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
