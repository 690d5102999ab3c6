import Foundation
import LetheTestSupport
import Testing
import LetheIO
import LetheModels
import LetheTensor

/// The tiny pipelines' VAEs and a VAE with the non-default options against diffusers' outputs.
@Suite struct VAEForwardTests {
    private func expectClose(_ actual: Tensor, _ expected: Tensor, _ label: String) {
        let error = RelativeError(actual, expected)
        print("\(label): \(error)")
        #expect(error.value <= 1e-4, "\(label): \(error)")
    }

    /// Each 3×3 convolution both ways (the tiny VAEs are below where the automatic choice takes Winograd).
    @Test(arguments: ["sd1-tiny", "sd2-tiny"], [ConvolutionAlgorithm.im2col, .winograd])
    func encoderMatchesDiffusers(pipeline: String, convolution: ConvolutionAlgorithm) throws {
        try ConvolutionAlgorithm.$override.withValue(convolution) { try encoderMatchesDiffusers(pipeline) }
    }

    private func encoderMatchesDiffusers(_ pipeline: String) throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
        let references = try Fixture.references(pipeline)
        let distribution = try vae.encode(references.tensor(named: "vae.image"))
        expectClose(distribution.mean, try references.tensor(named: "vae.encoder.mean"),
                    "\(pipeline) VAE encoder mean, \(ConvolutionAlgorithm.override)")
        expectClose(distribution.standardDeviation, try references.tensor(named: "vae.encoder.std"), "\(pipeline) VAE encoder std")
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"], [ConvolutionAlgorithm.im2col, .winograd])
    func decoderMatchesDiffusers(pipeline: String, convolution: ConvolutionAlgorithm) throws {
        try ConvolutionAlgorithm.$override.withValue(convolution) { try decoderMatchesDiffusers(pipeline) }
    }

    private func decoderMatchesDiffusers(_ pipeline: String) throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline(pipeline)))
        let references = try Fixture.references(pipeline)
        let image = try vae.decode(references.tensor(named: "vae.decoder.latents"))
        expectClose(image, try references.tensor(named: "vae.decoder.output"),
                    "\(pipeline) VAE decoder, \(ConvolutionAlgorithm.override)")
    }

    @Test func variantWithoutAttentionOrQuantConvs() throws {
        let folder = Fixture.reference("vae-variant")
        let configuration = try AutoencoderKLConfiguration.load(from: folder.appendingPathComponent("config.json"))
        #expect(!configuration.midBlockAddAttention && !configuration.useQuantConv && !configuration.usePostQuantConv)
        let store = WeightStore(checkpoint: try SafeTensorsFile.open(folder.appendingPathComponent("diffusion_pytorch_model.safetensors")))
        let vae = try AutoencoderKL(configuration: configuration, weights: store)
        try store.finish()
        #expect(vae.quantConv == nil && vae.postQuantConv == nil && vae.encoder.midBlock.attention == nil)
        let references = try Fixture.references("vae-variant")
        // An 18×14 image: the padded stride-2 convolutions give 9×7, then 4×3 latents.
        let distribution = try vae.encode(references.tensor(named: "image"))
        #expect(distribution.mean.shape == [2, 4, 4, 3])
        expectClose(distribution.mean, try references.tensor(named: "encoder.mean"), "variant VAE encoder mean")
        expectClose(distribution.standardDeviation, try references.tensor(named: "encoder.std"), "variant VAE encoder std")
        let image = try vae.decode(references.tensor(named: "decoder.latents"))
        expectClose(image, try references.tensor(named: "decoder.output"), "variant VAE decoder")
    }

    @Test func samplingAddsScaledNoise() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        let references = try Fixture.references("sd1-tiny")
        let image = try references.tensor(named: "vae.image")
        let noise = try references.tensor(named: "vae.decoder.latents")
        let latents = try vae.encode(image, noise: noise)
        let mean = try references.tensor(named: "vae.encoder.mean").toArray()
        let std = try references.tensor(named: "vae.encoder.std").toArray()
        let expected = zip(zip(mean, std), noise.toArray()).map { Float(Double($0.0) + Double($0.1) * Double($1)) }
        expectClose(latents, Tensor(shape: noise.shape, values: expected), "sd1-tiny VAE sample")
        #expect(throws: VAEInputError.noiseShape(found: [1, 4, 4, 4], expected: [1, 4, 8, 8])) {
            try vae.encode(image, noise: Tensor(zeros: [1, 4, 4, 4]))
        }
    }

    @Test func scalingFactorIsExposed() throws {
        let vae = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd2-tiny")))
        #expect(vae.scalingFactor == Float(0.18215) && vae.shiftFactor == nil)
    }

    /// Checkpoints saved before diffusers 0.14 name the mid-block attention query/key/value/proj_attn.
    @Test func legacyAttentionNamesLoad() throws {
        let source = Fixture.pipeline("sd1-tiny")
        let folder = try UNetFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("vae"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model_index.json"),
                                         to: folder.appendingPathComponent("model_index.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("vae/config.json"),
                                         to: folder.appendingPathComponent("vae/config.json"))
        let weights = try SafeTensorsFile.open(source.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
        let renames = ["to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"]
        var renamed = 0
        let tensors = try weights.tensorNames.map { name -> (String, Tensor) in
            var newName = name
            for (current, legacy) in renames where name.contains("mid_block.attentions.0.\(current).") {
                newName = name.replacingOccurrences(of: ".\(current).", with: ".\(legacy).")
                renamed += 1
            }
            return (newName, try weights.tensor(named: name))
        }
        #expect(renamed == 16)  // weight and bias of 4 projections, in the encoder and the decoder
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))

        let legacy = try AutoencoderKL.load(from: DiffusersModelFolder(url: folder))
        let current = try AutoencoderKL.load(from: DiffusersModelFolder(url: Fixture.pipeline("sd1-tiny")))
        let references = try Fixture.references("sd1-tiny")
        let image = try references.tensor(named: "vae.image"), latents = try references.tensor(named: "vae.decoder.latents")
        #expect(try legacy.encode(image).mean.toArray() == current.encode(image).mean.toArray())
        #expect(try legacy.decode(latents).toArray() == current.decode(latents).toArray())
    }
}
