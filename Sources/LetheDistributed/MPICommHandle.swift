import CMPI

/// An MPI communicator handle that may cross threads.
///
/// `MPI_Comm` is an opaque pointer, which Swift treats as non-Sendable. The handle never changes after creation, and
/// every call through it goes through `MPIRuntime.call`, which serialises MPI calls process-wide.
struct MPICommHandle: @unchecked Sendable {
    let raw: MPI_Comm?

    init(_ raw: MPI_Comm?) {
        self.raw = raw
    }
}
