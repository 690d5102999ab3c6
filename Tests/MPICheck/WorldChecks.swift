import Foundation
import LetheDistributed

/// The world under mpirun is the MPI world whose rank and size match what the launcher says.
struct WorldChecks {
    let world: Communicator
    let recorder: CheckRecorder

    func run() {
        let environment = ProcessInfo.processInfo.environment
        recorder.expect("world is launched by MPI", expected: true, got: Communicator.isLaunchedByMPI)
        recorder.expect("world uses MPI", expected: true, got: world.usesMPI)
        recorder.expect("MPI is initialised", expected: true, got: Communicator.isMPIInitialized)
        if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) {
            recorder.expect("world size matches OMPI_COMM_WORLD_SIZE", expected: size, got: world.size)
        }
        if let rank = environment["OMPI_COMM_WORLD_RANK"].flatMap(Int.init) {
            recorder.expect("world rank matches OMPI_COMM_WORLD_RANK", expected: rank, got: world.rank)
        }
        recorder.expect(
            "library version names Open MPI", expected: true, got: Communicator.mpiLibraryVersion.contains("Open MPI"))
    }
}
