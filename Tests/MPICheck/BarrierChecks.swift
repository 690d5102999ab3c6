import Foundation
import LetheDistributed

/// Barrier really waits: ranks drop marker files at staggered times; after the barrier every rank must see all.
struct BarrierChecks {
    let world: Communicator
    let recorder: CheckRecorder

    func run() throws {
        // Rank 0 makes the directory; the others learn its path by broadcast.
        var path = ""
        if world.rank == 0 {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("lethe-mpi-check-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.path
        }
        path = try world.broadcast(string: path, root: 0)
        let directory = URL(fileURLWithPath: path)

        for round in 0..<3 {
            // Later ranks arrive later, so without a real barrier the early ranks would miss their markers.
            usleep(UInt32(((world.rank + round) % world.size) * 30_000))
            let marker = directory.appendingPathComponent("round-\(round)-rank-\(world.rank)")
            try Data().write(to: marker)
            try world.barrier()
            let missing = (0..<world.size).filter {
                !FileManager.default.fileExists(atPath: directory.appendingPathComponent("round-\(round)-rank-\($0)").path)
            }
            recorder.expect("barrier round \(round): ranks whose marker is missing", expected: [], got: missing)
        }
        try world.barrier()
        if world.rank == 0 { try? FileManager.default.removeItem(at: directory) }
    }
}
