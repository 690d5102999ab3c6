import ArgumentParser

/// `lethe bench`: speed and memory figures (never part of the tests; compare them with the PyTorch scripts in
/// Scripts/bench/, run on the same machine in the same session).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory of Lethe's kernels and models.",
        subcommands: [BenchUNet.self, BenchGenerate.self, BenchUCE.self, BenchRECE.self, BenchCheckpoint.self, BenchAllreduce.self])
}
