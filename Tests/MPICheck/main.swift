// lethe-mpi-check: run under `mpirun -np N`; checks every collective on every rank against values each rank
// computes alone, then prints `mpi-check np=N: K passed, F failed` on rank 0 and exits non-zero on any failure.
// `--abort-test` instead checks that an aborting rank ends the whole job (see AbortTest).
import LetheDistributed

#if canImport(Glibc)
import Glibc
#endif

let world: Communicator
do {
    world = try Communicator.world()
} catch {
    print("mpi-check: cannot start MPI: \(error)")
    exit(1)
}

if CommandLine.arguments.dropFirst().contains("--abort-test") {
    AbortTest.run(world)
}

let recorder = CheckRecorder(rank: world.rank)
let limits = [Communicator.defaultMaxElementsPerCall, 5, 1]
do {
    WorldChecks(world: world, recorder: recorder).run()
    try AllreduceChecks(world: world, recorder: recorder, limits: limits).run()
    try BroadcastChecks(world: world, recorder: recorder, limits: limits).run()
    try GatherChecks(world: world, recorder: recorder, limits: limits).run()
    try LargeMessageChecks(world: world, recorder: recorder).run()
    try SplitChecks(world: world, recorder: recorder).run()
    try BarrierChecks(world: world, recorder: recorder).run()
    try ErrorChecks(world: world, recorder: recorder).run()
} catch {
    // An unexpected error on one rank would leave the others waiting in a collective: fail-stop.
    print("FAIL rank \(world.rank): unexpected error: \(error)")
    world.abort(code: 2)
}

let totals: [Int]
do {
    totals = try world.allreduce([recorder.passed, recorder.failed], op: .sum)
    try world.barrier()
} catch {
    print("FAIL rank \(world.rank): cannot reduce the check counts: \(error)")
    world.abort(code: 2)
}
if world.rank == 0 {
    print("mpi-check np=\(world.size): \(totals[0]) passed, \(totals[1]) failed")
}
do {
    try Communicator.finalize()
    try Communicator.finalize()
} catch {
    print("FAIL rank \(world.rank): finalize: \(error)")
    exit(1)
}
exit(totals[1] == 0 && !Communicator.isMPIInitialized ? 0 : 1)
