import LetheDistributed
import Testing

/// Choosing the world from the environment, and the process-wide MPI facts, without starting MPI.
@Suite struct CommunicatorRuntimeTests {
    @Test func launchersAreRecognisedFromTheirVariables() {
        #expect(Communicator.isLaunchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "4"]))
        #expect(Communicator.isLaunchedByMPI(environment: ["PMIX_RANK": "0"]))
        #expect(Communicator.isLaunchedByMPI(environment: ["PMI_SIZE": "2"]))
        #expect(Communicator.isLaunchedByMPI(environment: ["PMI_RANK": "1"]))
        #expect(!Communicator.isLaunchedByMPI(environment: ["HOME": "/root", "SLURM_JOB_ID": "12"]))
        #expect(!Communicator.isLaunchedByMPI(environment: [:]))
    }

    @Test func worldWithoutLauncherIsSingleProcessAndLeavesMPIAlone() throws {
        // `swift test` is not started by mpirun, so the world is the single-process one.
        try #require(!Communicator.isLaunchedByMPI)
        let world = try Communicator.world(maxElementsPerCall: 7)
        #expect(!world.usesMPI)
        #expect(world.size == 1 && world.rank == 0)
        #expect(world.maxElementsPerCall == 7)
        #expect(!Communicator.isMPIInitialized)
    }

    @Test func libraryVersionIsReadWithoutStartingMPI() {
        let version = Communicator.mpiLibraryVersion
        #expect(version.contains("Open MPI"))
        #expect(!version.contains("\u{0}"), "the version string carries a NUL")
        #expect(!Communicator.isMPIInitialized)
    }

    @Test func finalizeWithoutMPIIsANoOpAndRepeatable() throws {
        try Communicator.finalize()
        try Communicator.finalize()
        #expect(!Communicator.isMPIInitialized)
    }
}
