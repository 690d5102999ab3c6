import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheModels
import LetheTensor

/// `lethe create-model`: a diffusers folder with a Stable Diffusion architecture and random weights.
struct CreateModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-model",
        abstract: "Write a diffusers model folder with a Stable Diffusion architecture and random weights.",
        discussion: """
            For demos, tests and benchmarks: every component (UNet, CLIP text encoder with the real CLIP \
            tokenizer, VAE, PNDM scheduler) is loadable by diffusers' StableDiffusionPipeline.from_pretrained and \
            by every lethe subcommand. Weights are drawn from a seeded normal (fan-in scaled; norm layers start \
            at weight 1, bias 0), so the same seed gives the same files. The images it generates are noise.
            """)

    @Option(help: "Architecture: tiny (a few MB), sd15 or sd21 (Stable Diffusion 1.5's or 2.1's sizes, about 5 GB).")
    var preset: RandomPipelinePreset = .tiny

    @Option(parsing: .unconditional, help: "Seed of the random weights.")
    var seed: UInt64 = 0

    @Option(help: "The folder to write (must not exist).")
    var output: String

    func run() throws {
        guard try Communicator.world().rank == 0 else { return }
        let destination = try OutputGuard.check(
            output: output, kind: .modelFolder(marker: "model_index.json"), inputs: [], overwrite: false, canOverwrite: false)
        try preset.writeFolder(at: destination, seed: seed)
        print("wrote \(output): a random \(preset.rawValue) Stable Diffusion model (seed \(seed))")
    }
}
