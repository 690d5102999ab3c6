import ArgumentParser

/// `lethe bench`: speed and memory figures (never part of the tests; compare them with the PyTorch scripts in
/// Scripts/bench/, run on the same machine in the same session), and how the watermark survives changes.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory of Lethe's kernels and models, and the watermark's robustness.",
        subcommands: [BenchUNet.self, BenchGenerate.self, BenchTrain.self, BenchUCE.self, BenchRECE.self, BenchCheckpoint.self, BenchAllreduce.self,
                      BenchWatermark.self])
}
