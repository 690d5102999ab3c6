import ArgumentParser
import COpenBLAS
import Foundation
import LetheModels
import LetheTensor

/// `lethe bench unet`: one UNet forward at a Stable Diffusion architecture with random weights.
struct BenchUNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Time UNet forwards (or forward+backward passes) of a Stable Diffusion architecture with random weights.",
        discussion: """
            Prints seconds per forward, or per forward+backward with --backward (the best of --iterations), GFLOP/s \
            of the matrix products (the operations PyTorch's FlopCounterMode counts) and peak resident memory, as \
            one JSON line with --json. The backward pass is that of sum(output·R) for a fixed random R, with the \
            gradients of the parameters chosen by --train and none for the sample or the text (as in PyTorch, where \
            neither requires a gradient: layers before the first trained one are not differentiated); the backward's \
            share of the time is reported too. Scripts/bench/unet.sh runs this beside the same model in PyTorch.
            """)

    @Option(help: "Architecture: sd15 (SD 1.x UNet), sd21 (SD 2.x UNet) or tiny.")
    var preset: RandomPipelinePreset = .sd15

    @Option(help: "Latent height and width (64 for 512-pixel images).")
    var latent = 64

    @Option(help: "Batch size (2 is one classifier-free-guidance step).")
    var batch = 1

    @Option(help: "Timed forwards; the best is reported.")
    var iterations = 3

    @Flag(help: "Time a forward and backward pass instead of a forward.")
    var backward = false

    @Option(help: "With --backward: the parameters that get gradients, as comma-separated name patterns (attn2, attn2.to_k, all).")
    var train = "all"

    @Flag(help: "With --backward: recompute each UNet block in the backward pass instead of keeping its activations.")
    var gradientCheckpointing = false

    @Option(help: "How 3×3 stride-1 convolutions run: auto (Winograd where faster), winograd or im2col.")
    var convolution: ConvolutionAlgorithm = .automatic

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        guard latent >= 8, latent % 8 == 0 else { throw ValidationError("--latent must be a positive multiple of 8, got \(latent)") }
        guard batch >= 1, iterations >= 1 else { throw ValidationError("--batch and --iterations must be at least 1") }
    }

    func run() throws {
        try ConvolutionAlgorithm.$override.withValue(convolution) { try measure() }
    }

    private func measure() throws {
        let configuration = try preset.unetConfiguration()
        let patterns = train.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        if backward {
            // Check --train against the architecture before drawing 860 M random weights.
            let plan = WeightStore(source: .planning)
            _ = try UNet2DConditionModel(configuration: configuration, weights: plan)
            try ParameterSelection(patterns).validate(against: plan.layout, modelName: "the UNet")
        }
        let (unet, store) = try WeightStore.random(seed: 0) { try UNet2DConditionModel(configuration: configuration, weights: $0) }
        let stream = RandomStream(seed: 1, purpose: "bench", id: 0)
        let sample = stream.normalTensor(shape: [batch, 4, latent, latent])
        let context = RandomStream(seed: 2, purpose: "bench", id: 0).normalTensor(shape: [batch, 77, preset.contextWidth])

        let gradients = backward ? try ParameterGradients(store: store, selection: ParameterSelection(patterns), modelName: "the UNet") : nil
        let outputGradient = RandomStream(seed: 3, purpose: "bench", id: 0).normalTensor(shape: [batch, 4, latent, latent])

        var seconds: [Double] = []
        var backwardSeconds: [Double] = []
        var flops = 0
        for _ in 0..<iterations {
            FLOPCounter.reset()
            let start = Date()
            if let gradients {
                let tape = ActivationTape(checkpointing: gradientCheckpointing ? .blocks : .none)
                gradients.zero()
                _ = try unet.forward(sample: sample, timesteps: [999], encoderHiddenStates: context, tape: tape)
                let backwardStart = Date()
                _ = unet.backward(outputGradient, tape: tape, gradients: gradients, inputGradients: [])
                backwardSeconds.append(Date().timeIntervalSince(backwardStart))
            } else {
                _ = try unet.forward(sample: sample, timestep: 999, encoderHiddenStates: context)
            }
            seconds.append(Date().timeIntervalSince(start))
            flops = FLOPCounter.count
        }
        let best = seconds.min() ?? 0
        let bestIndex = seconds.firstIndex(of: best) ?? 0
        let report = BenchReport(implementation: "Lethe", mode: backward ? "forward+backward" : "forward",
                                 train: backward ? patterns.joined(separator: ",") : nil,
                                 preset: preset.rawValue, latent: latent, batch: batch,
                                 threads: Int(openblas_get_num_threads()), seconds: best, allSeconds: seconds,
                                 backwardSeconds: backwardSeconds.isEmpty ? nil : backwardSeconds[bestIndex],
                                 gflops: Double(flops) / 1e9, parameters: store.parameterCount,
                                 peakRSSBytes: PeakMemory.residentBytes())
        print(json ? try report.jsonLine() : report.text())
    }
}
