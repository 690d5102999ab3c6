import ArgumentParser
import Foundation
import LetheDistributed
import LetheErasure
import LetheTelemetry

/// `lethe bench allreduce`: the gradient allreduce of data-parallel training, timed under mpirun.
struct BenchAllreduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time the gradient allreduce (a sum of float32 buffers across ranks) under mpirun.",
        discussion: """
            Every rank sums --megabytes of float32 values (10^6 bytes) across the ranks the way data-parallel training \
            sums its gradients: MPI_Allreduce in place, in buckets of --bucket-mb MiB in buffer order. Prints, on \
            rank 0, the best of --iterations (each timed from a barrier to the slowest rank's end) with the algorithm \
            bandwidth (bytes / time) and the bus bandwidth, algbw · 2(n−1)/n as nccl-tests define it, which is \
            comparable across rank counts. Open MPI chooses the algorithm itself unless told (e.g. mpirun --mca \
            coll_tuned_use_dynamic_rules 1 --mca coll_tuned_allreduce_algorithm 4 for the ring); the report names \
            what it was told. Each sum is checked.
            """)

    @Option(help: "Megabytes of float32 values summed per allreduce.")
    var megabytes = 64

    @Option(help: "MiB per MPI_Allreduce call (16: the training's buckets; 0: the whole buffer in one call).")
    var bucketMb = 16

    @Option(help: "Timed allreduces; the best is reported.")
    var iterations = 5

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard megabytes >= 1, megabytes <= 1 << 16 else { throw ValidationError("--megabytes must be between 1 and 65536, got \(megabytes)") }
        guard bucketMb >= 0 else { throw ValidationError("--bucket-mb must be 0 or more, got \(bucketMb)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
    }

    struct Result: BenchJSONLine {
        var implementation = "Lethe"
        var ranks: Int
        var bytes: Int
        var bucketBytes: Int
        var algorithm: String
        var seconds: Double
        var allSeconds: [Double]
        var algorithmGBPerSecond: Double
        var busGBPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case implementation, ranks, bytes, algorithm, seconds
            case bucketBytes = "bucket_bytes", allSeconds = "all_seconds", algorithmGBPerSecond = "algbw_gb_per_second"
            case busGBPerSecond = "busbw_gb_per_second"
        }
    }

    func run() throws {
        let world = try Communicator.world()
        let count = megabytes * 1_000_000 / MemoryLayout<Float>.size
        let bucketElements = bucketMb == 0 ? count : bucketMb << 20 / MemoryLayout<Float>.size
        let buckets = GradientBuckets(bucketElements: max(bucketElements, 1))
        var values = [Float](repeating: 0, count: count)
        // Rank r adds r + 1 at every index: the sum is n(n + 1)/2 everywhere, exact in float32.
        let expected = Float(world.size * (world.size + 1) / 2)
        var seconds: [Double] = []
        for _ in 0..<iterations {
            for index in values.indices { values[index] = Float(world.rank + 1) }
            try world.barrier()
            let start = Date()
            try values.withUnsafeMutableBufferPointer { try buckets.allreduceSum($0, communicator: world) }
            let elapsed = Date().timeIntervalSince(start)
            seconds.append(try world.allreduce(elapsed, op: .max))
            guard world.size == 1 || values.allSatisfy({ $0 == expected }) else {
                throw ValidationError("rank \(world.rank): the allreduce did not give \(expected) everywhere")
            }
        }
        guard world.rank == 0 else { return }
        let best = seconds.min() ?? 0
        let bytes = count * MemoryLayout<Float>.size
        let algbw = world.size > 1 ? (Bandwidth.algorithm(bytes: bytes, seconds: best) ?? 0) / 1e9 : 0
        let result = Result(
            ranks: world.size, bytes: bytes, bucketBytes: min(bucketElements, count) * MemoryLayout<Float>.size,
            algorithm: Self.algorithm(), seconds: best, allSeconds: seconds, algorithmGBPerSecond: algbw,
            busGBPerSecond: Bandwidth.allreduceBus(algorithm: algbw, ranks: world.size))
        if json {
            print(try result.jsonLine())
        } else {
            print(String(format: "allreduce of %.1f MB float32 on %d rank(s), %@ per call, %@\n"
                         + "  %.4f s (best of %d): algbw %.2f GB/s, busbw %.2f GB/s",
                         Double(bytes) / 1e6, world.size, bucketMb == 0 ? "the whole buffer" : "up to \(bucketMb) MiB",
                         result.algorithm, best, seconds.count, algbw, result.busGBPerSecond))
            if world.size == 1 { print("  (one rank: nothing to reduce; run it under mpirun -np N)") }
        }
    }

    /// The allreduce algorithm Open MPI was told to use (its tuned component's numbering), or that it chooses.
    static func algorithm() -> String {
        let names = ["0": "Open MPI's choice", "1": "basic linear", "2": "nonoverlapping", "3": "recursive doubling",
                     "4": "ring", "5": "segmented ring", "6": "Rabenseifner", "7": "allgather reduce"]
        let environment = ProcessInfo.processInfo.environment
        guard environment["OMPI_MCA_coll_tuned_use_dynamic_rules"] == "1",
              let chosen = environment["OMPI_MCA_coll_tuned_allreduce_algorithm"] else {
            return "MPI_Allreduce, algorithm chosen by Open MPI"
        }
        return "MPI_Allreduce, coll_tuned_allreduce_algorithm \(chosen) (\(names[chosen] ?? "unknown"))"
    }
}
