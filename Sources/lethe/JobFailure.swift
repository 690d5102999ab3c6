import Foundation
import LetheDistributed
import LetheIO

/// Ends the process after an error in a subcommand, in the way that cannot leave other ranks waiting.
enum JobFailure {
    static func end(with error: Error, messageFor: (Error) -> String, exitCode: (Error) -> Int32) -> Never {
        // A stop signal's handler is removing partial outputs and will end the process by that signal.
        SignalCleanup.waitIfStopping()
        let code = exitCode(error)
        let message = messageFor(error)
        if Communicator.isMPIInitialized, let world = try? Communicator.world(), world.size > 1 {
            // Other ranks may be inside a collective; only an abort releases them.
            FileHandle.standardError.write(Data("lethe (rank \(world.rank) of \(world.size)): Error: \(message)\n".utf8))
            world.abort(code: code == 0 ? 1 : code)
        }
        try? Communicator.finalize()
        if !message.isEmpty {
            FileHandle.standardError.write(Data((code == 0 ? message : "Error: \(message)") .appending("\n").utf8))
        }
        exit(code)
    }
}

/// An end every rank reaches together (they all know the outcome, e.g. `lethe run`'s summary): MPI finalises
/// normally instead of aborting, rank 0 prints the message, and the process exits with `code`.
struct AgreedExit: Error {
    let code: Int32
    let message: String
}
