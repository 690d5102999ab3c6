import Foundation
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// AutoencoderKL's backward passes against torch autograd on the tiny pipelines' VAEs: decode, and encode through
/// the mean, the log-variance and a sample with fixed noise.
@Suite("AutoencoderKL backward against torch autograd")
struct VAEBackwardTests {
    struct Loaded {
        let vae: AutoencoderKL
        let store: WeightStore
        let references: SafeTensorsFile

        func tensor(_ name: String) throws -> Tensor { try references.tensor(named: name) }
    }

    static func load(_ pipeline: String) throws -> Loaded {
        let folder = try DiffusersModelFolder(url: Fixture.pipeline(pipeline))
        let configuration = try AutoencoderKLConfiguration.load(from: folder.componentFile("vae", "config.json"))
        let store = WeightStore(checkpoint: try folder.weights(of: "vae"))
        let vae = try AutoencoderKL(configuration: configuration, weights: store)
        try store.finish()
        return Loaded(vae: vae, store: store, references: try Fixture.references("vae-gradients-\(pipeline)"))
    }

    /// Every parameter's gradient against `<prefix>.grad.<name>`, or zero where torch has none.
    static func compareParameters(_ loaded: Loaded, _ prefix: String, _ gradients: ParameterGradients,
                                  _ comparison: GradientComparison) throws {
        for (parameter, _) in loaded.store.layout {
            try comparison.checkParameter(gradients.gradient(named: parameter), parameter, prefix: prefix,
                                          references: loaded.references)
        }
    }

    static func expectForward(_ actual: Tensor, _ expected: Tensor, _ label: String) {
        let error = RelativeError(actual, expected).value
        #expect(error <= 1e-4, "\(label): forward max relative error \(error)")
    }

    /// decode with a tape and its backward with dL/d(image) = R.
    static func decodeGradients(_ loaded: Loaded, checkpointing: GradientCheckpointing = .none) throws
        -> (gradients: ParameterGradients, latents: Tensor, tape: ActivationTape) {
        let gradients = try ParameterGradients(store: loaded.store, selection: .all)
        let tape = ActivationTape(checkpointing: checkpointing)
        let image = try loaded.vae.decode(try loaded.tensor("decode.latents"), tape: tape)
        expectForward(image, try loaded.tensor("decode.output"), "decode")
        let latents = loaded.vae.decodeBackward(try loaded.tensor("decode.R"), tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0, "decode backward left \(tape.count) values on the tape")
        return (gradients, latents, tape)
    }

    /// encode with a tape and its backward for the loss Σ mean·R_mean + Σ logvar·R_logvar + Σ sample·R_sample.
    static func encodeGradients(_ loaded: Loaded, checkpointing: GradientCheckpointing = .none) throws
        -> (gradients: ParameterGradients, image: Tensor, tape: ActivationTape) {
        let gradients = try ParameterGradients(store: loaded.store, selection: .all)
        let tape = ActivationTape(checkpointing: checkpointing)
        let noise = try loaded.tensor("encode.noise")
        let distribution = try loaded.vae.encode(try loaded.tensor("encode.image"), tape: tape)
        expectForward(distribution.mean, try loaded.tensor("encode.mean"), "encode mean")
        expectForward(distribution.logVariance, try loaded.tensor("encode.logvar"), "encode logvar")
        expectForward(distribution.sample(noise: noise), try loaded.tensor("encode.sample"), "encode sample")
        let sample = VAELatentDistribution.sampleBackward(try loaded.tensor("encode.R_sample"), noise: noise)
        let meanGradient = try loaded.tensor("encode.R_mean") + (try #require(sample.mean))
        let gradient = VAELatentDistribution.Gradient(mean: meanGradient, logVariance: try loaded.tensor("encode.R_logvar"),
                                                      standardDeviation: sample.standardDeviation)
        let image = loaded.vae.encodeBackward(gradient, tape: tape, gradients: gradients)
        #expect(tape.count == 0 && tape.savedElements == 0, "encode backward left \(tape.count) values on the tape")
        return (gradients, image, tape)
    }

    @Test("decode: gradients of the latents and every parameter match torch", arguments: ["sd1-tiny", "sd2-tiny"])
    func decodeMatchesTorch(pipeline: String) throws {
        let loaded = try Self.load(pipeline)
        let (gradients, latents, _) = try Self.decodeGradients(loaded)
        let comparison = GradientComparison("VAE backward \(pipeline) decode")
        comparison.check(latents, try loaded.tensor("decode.grad.latents"), "latents")
        try Self.compareParameters(loaded, "decode", gradients, comparison)
        comparison.report()
    }

    @Test("encode: gradients of the image and every parameter match torch", arguments: ["sd1-tiny", "sd2-tiny"])
    func encodeMatchesTorch(pipeline: String) throws {
        let loaded = try Self.load(pipeline)
        let (gradients, image, _) = try Self.encodeGradients(loaded)
        let comparison = GradientComparison("VAE backward \(pipeline) encode")
        comparison.check(image, try loaded.tensor("encode.grad.image"), "image")
        try Self.compareParameters(loaded, "encode", gradients, comparison)
        comparison.report()
    }

    /// Each term of the encode loss alone, with the encoder frozen (only post_quant_conv trains): the image
    /// gradient still flows, and the encoder's weight gradients are not computed.
    @Test("encode: mean, log-variance and sample terms alone, encoder frozen", arguments: ["sd1-tiny", "sd2-tiny"])
    func encodeTermsAlone(pipeline: String) throws {
        let loaded = try Self.load(pipeline)
        let image = try loaded.tensor("encode.image")
        let comparison = GradientComparison("VAE backward \(pipeline) encode terms")
        for term in ["mean", "logvar", "sample"] {
            let gradients = try ParameterGradients(store: loaded.store, selection: ParameterSelection(["post_quant_conv"]))
            let tape = ActivationTape()
            let weights = try loaded.tensor("encode.R_\(term)")
            let imageGradient: Tensor
            if term == "sample" {
                _ = try loaded.vae.encode(image, noise: try loaded.tensor("encode.noise"), tape: tape)
                imageGradient = loaded.vae.encodeBackward(sampleGradient: weights, tape: tape, gradients: gradients)
            } else {
                _ = try loaded.vae.encode(image, tape: tape)
                let gradient = term == "mean" ? VAELatentDistribution.Gradient(mean: weights)
                    : VAELatentDistribution.Gradient(logVariance: weights)
                imageGradient = loaded.vae.encodeBackward(gradient, tape: tape, gradients: gradients)
            }
            #expect(tape.count == 0)
            comparison.check(imageGradient, try loaded.tensor("encode.\(term)_only.grad.image"), "\(term) image")
            #expect(gradients.flat.toArray().allSatisfy { $0 == 0 }, "post_quant_conv is not on the encode path")
        }
        comparison.report()
    }

    @Test("block checkpointing gives the same gradients with less kept")
    func checkpointingRecomputesBlocks() throws {
        let loaded = try Self.load("sd1-tiny")
        let plain = try Self.decodeGradients(loaded)
        let checkpointed = try Self.decodeGradients(loaded, checkpointing: .blocks)
        #expect(checkpointed.latents.toArray() == plain.latents.toArray())
        #expect(checkpointed.gradients.flat.toArray() == plain.gradients.flat.toArray())
        #expect(checkpointed.tape.peakSavedElements < plain.tape.peakSavedElements / 2,
                "kept \(checkpointed.tape.peakSavedElements) of \(plain.tape.peakSavedElements) floats")
        let plainEncode = try Self.encodeGradients(loaded)
        let checkpointedEncode = try Self.encodeGradients(loaded, checkpointing: .blocks)
        #expect(checkpointedEncode.image.toArray() == plainEncode.image.toArray())
        #expect(checkpointedEncode.gradients.flat.toArray() == plainEncode.gradients.flat.toArray())
        #expect(checkpointedEncode.tape.peakSavedElements < plainEncode.tape.peakSavedElements / 2)
        print("VAE checkpointing: decode keeps \(checkpointed.tape.peakSavedElements) of \(plain.tape.peakSavedElements) floats, "
              + "encode \(checkpointedEncode.tape.peakSavedElements) of \(plainEncode.tape.peakSavedElements)")
    }

    @Test("the training forward with no tape is the inference forward; bad inputs throw before anything is kept")
    func inferenceAndErrors() throws {
        let loaded = try Self.load("sd2-tiny")
        let latents = try loaded.tensor("decode.latents")
        let tape = ActivationTape()
        #expect(try loaded.vae.decode(latents, tape: tape).toArray() == loaded.vae.decode(latents).toArray())
        #expect(tape.count > 0)
        let empty = ActivationTape()
        let image = try loaded.tensor("encode.image")
        #expect(throws: VAEInputError.noiseShape(found: [2, 4, 4, 4], expected: [2, 4, 8, 8])) {
            try loaded.vae.encode(image, noise: Tensor(zeros: [2, 4, 4, 4]), tape: empty)
        }
        #expect(throws: VAEInputError.latentShape(found: [2, 3, 8, 8], latentChannels: 4)) {
            try loaded.vae.decode(Tensor(zeros: [2, 3, 8, 8]), tape: empty)
        }
        #expect(throws: VAEInputError.imageShape(found: [2, 4, 32, 32], inChannels: 3)) {
            try loaded.vae.encode(Tensor(zeros: [2, 4, 32, 32]), tape: empty)
        }
        #expect(empty.count == 0)
    }
}
