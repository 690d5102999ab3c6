import ArgumentParser
import COpenBLAS
import Foundation
import LetheDistributed
import LetheIO
import LetheTensor

/// `lethe info`: the libraries this binary runs with and the ranks it runs as.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the versions of Swift, Open MPI, OpenBLAS and zstd, and the ranks this job runs as.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let world = try Communicator.world()
        let rankLine = RankReport.current(rank: world.rank, size: world.size)
        // Every rank contributes its line; rank 0 prints them all.
        let gathered = try world.gatherv(Array(rankLine.encoded()), root: 0)
        guard world.rank == 0 else { return }
        let ranks = RankReport.decodeAll(gathered)
        let report = LibraryReport.current(worldSize: world.size, usesMPI: world.usesMPI, ranks: ranks)
        print(json ? try report.json() : report.text())
    }
}

/// What one rank reports about itself.
struct RankReport: Codable {
    var rank: Int
    var size: Int
    var host: String
    var pid: Int32
    var blasThreads: Int

    static func current(rank: Int, size: Int) -> RankReport {
        RankReport(rank: rank, size: size, host: ProcessInfo.processInfo.hostName,
                   pid: ProcessInfo.processInfo.processIdentifier, blasThreads: Int(openblas_get_num_threads()))
    }

    /// One JSON object and a newline, so the gathered bytes split back into reports.
    func encoded() throws -> Data {
        try JSONEncoder().encode(self) + Data("\n".utf8)
    }

    static func decodeAll(_ bytes: [UInt8]) -> [RankReport] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(RankReport.self, from: Data($0)) }
    }
}

/// The libraries and the job layout as `lethe info` prints them.
struct LibraryReport: Codable {
    var lethe: String
    var swift: String
    var mpi: String
    var openBLAS: String
    var openBLASConfig: String
    var openBLASCore: String
    /// log2 of the cycles OpenBLAS's idle threads spin before sleeping, when Lethe set it (nil: OpenBLAS's own).
    var openBLASThreadTimeout: Int?
    var zstd: String
    var launchedByMPI: Bool
    var worldSize: Int
    var ranks: [RankReport]

    static func current(worldSize: Int, usesMPI: Bool, ranks: [RankReport]) -> LibraryReport {
        let mpiVersion = Communicator.mpiLibraryVersion.split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown"
        return LibraryReport(
            lethe: LetheVersion.current, swift: LetheVersion.swiftCompiler, mpi: mpiVersion,
            openBLAS: String(cString: lethe_openblas_version()).trimmingCharacters(in: .whitespaces),
            openBLASConfig: String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces),
            openBLASCore: BLASKernels.reselection.map { "\($0.selected), chosen by Lethe over OpenBLAS's fallback \($0.detected)" } ?? BLASKernels.name,
            openBLASThreadTimeout: BLASKernels.threadTimeout,
            zstd: Zstd.libraryVersion, launchedByMPI: usesMPI, worldSize: worldSize, ranks: ranks)
    }

    func text() -> String {
        var lines = [
            "lethe     \(lethe)",
            "Swift     \(swift)",
            "MPI       \(mpi)",
            "OpenBLAS  \(openBLAS) (\(openBLASConfig); core \(openBLASCore)"
                + (openBLASThreadTimeout.map { "; idle threads spin 2^\($0) cycles" } ?? "") + ")",
            "zstd      \(zstd)",
            "world     \(worldSize) rank\(worldSize == 1 ? "" : "s")\(launchedByMPI ? " (MPI)" : " (single process, not launched by mpirun)")",
        ]
        for rank in ranks {
            lines.append("  rank \(rank.rank) of \(rank.size) on \(rank.host), pid \(rank.pid), OpenBLAS threads \(rank.blasThreads)")
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
