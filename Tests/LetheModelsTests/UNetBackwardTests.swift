import Foundation
import LetheTestSupport
import Testing
import LetheModels
import LetheTensor

/// The UNet's backward pass against float64 torch autograd (Scripts/reference/make_unet_gradient_fixtures.py):
/// L = sum(output · R) for a batch of two samples at two timesteps.
@Suite struct UNetBackwardTests {
    /// One forward and backward pass of the sum loss.
    struct Pass {
        let output: Tensor
        let sampleGradient: Tensor
        let contextGradient: Tensor
        let gradients: ParameterGradients
        let tape: ActivationTape
    }

    static func pass(_ pipeline: String, checkpointing: GradientCheckpointing = .none,
                     selection: ParameterSelection = .all, centerInputSample: Bool? = nil) throws -> Pass {
        let (model, store) = try UNetGradientFixtures.model(pipeline, centerInputSample: centerInputSample)
        let references = try UNetGradientFixtures.references(pipeline)
        let gradients = try ParameterGradients(store: store, selection: selection, modelName: "the \(pipeline) UNet")
        let tape = ActivationTape(checkpointing: checkpointing)
        let output = try model.forward(
            sample: references.tensor(named: "inputs.sample"), timesteps: references.tensor(named: "inputs.timesteps").toArray(),
            encoderHiddenStates: references.tensor(named: "inputs.encoder_hidden_states"), tape: tape)
        let inputs = model.backward(try references.tensor(named: "loss.weights"), tape: tape, gradients: gradients)
        return Pass(output: output, sampleGradient: try #require(inputs.sample),
                    contextGradient: try #require(inputs.encoderHiddenStates), gradients: gradients, tape: tape)
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func gradientsMatchAutograd(pipeline: String) throws {
        let references = try UNetGradientFixtures.references(pipeline)
        let pass = try Self.pass(pipeline)
        #expect(pass.tape.count == 0)
        #expect(pass.tape.savedElements == 0)

        let output = RelativeError(pass.output, try references.tensor(named: "output"))
        #expect(output.value <= 1e-4, "output: \(output)")
        var worst = WorstGradientError()
        for (name, actual) in [("sample", pass.sampleGradient), ("encoder_hidden_states", pass.contextGradient)] {
            let error = RelativeError(actual, try references.tensor(named: "grad.\(name)"))
            worst.record(error, name)
            #expect(error.value <= 1e-3, "dL/d\(name): \(error.value)")
        }
        // Every parameter of the model trains, and every one has a reference.
        let referenceNames = references.tensorNames.filter { $0.hasPrefix("grad.") && $0 != "grad.sample"
            && $0 != "grad.encoder_hidden_states" }
        #expect(pass.gradients.entries.count == referenceNames.count)
        for entry in pass.gradients.entries {
            let actual = try #require(pass.gradients.gradient(named: entry.name))
            let error = RelativeError(actual, try references.tensor(named: "grad.\(entry.name)"))
            worst.record(error, entry.name)
            #expect(error.value <= 1e-3, "\(entry.name): \(error.value)")
        }
        print("\(pipeline) UNet sum-loss gradients: \(worst); output \(output)")
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func centeredInputSample(pipeline: String) throws {
        let references = try UNetGradientFixtures.references(pipeline)
        let pass = try Self.pass(pipeline, selection: ParameterSelection(["conv_in"]), centerInputSample: true)
        let output = RelativeError(pass.output, try references.tensor(named: "centered.output"))
        let sample = RelativeError(pass.sampleGradient, try references.tensor(named: "centered.grad.sample"))
        let weight = RelativeError(try #require(pass.gradients.gradient(named: "conv_in.weight")),
                                   try references.tensor(named: "centered.grad.conv_in.weight"))
        print("\(pipeline) centered input: output \(output), dL/dsample \(sample.value), conv_in.weight \(weight.value)")
        #expect(output.value <= 1e-4)
        #expect(sample.value <= 1e-3)
        #expect(weight.value <= 1e-3)
        #expect(pass.tape.count == 0)
    }

    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func checkpointedBlocksGiveTheSameGradients(pipeline: String) throws {
        let plain = try Self.pass(pipeline)
        let checkpointed = try Self.pass(pipeline, checkpointing: .blocks)
        #expect(checkpointed.tape.count == 0)
        #expect(checkpointed.output.toArray() == plain.output.toArray())
        var worst = WorstGradientError()
        worst.record(RelativeError(checkpointed.sampleGradient, plain.sampleGradient), "sample")
        worst.record(RelativeError(checkpointed.contextGradient, plain.contextGradient), "encoder_hidden_states")
        worst.record(RelativeError(checkpointed.gradients.flat, plain.gradients.flat), "all parameters")
        print("\(pipeline) checkpointed vs plain: \(worst); peak saved floats \(checkpointed.tape.peakSavedElements) vs \(plain.tape.peakSavedElements)")
        #expect(worst.relative <= 1e-6)
        #expect(checkpointed.tape.peakSavedElements < plain.tape.peakSavedElements)
    }

    @Test func selectedParametersGetTheSameGradients() throws {
        let all = try Self.pass("sd1-tiny")
        let crossAttention = try Self.pass("sd1-tiny", selection: ParameterSelection(["attn2"]))
        #expect(crossAttention.gradients.entries.allSatisfy { $0.name.contains(".attn2.") })
        #expect(crossAttention.gradients.entries.count == all.gradients.entries.filter { $0.name.contains(".attn2.") }.count)
        for entry in crossAttention.gradients.entries {
            let selected = try #require(crossAttention.gradients.gradient(named: entry.name))
            let whole = try #require(all.gradients.gradient(named: entry.name))
            #expect(RelativeError(selected, whole).value <= 1e-6, "\(entry.name)")
        }
        #expect(RelativeError(crossAttention.sampleGradient, all.sampleGradient).value <= 1e-6)
        #expect(RelativeError(crossAttention.contextGradient, all.contextGradient).value <= 1e-6)
    }

    /// Without the sample gradient (and with or without the context's), the backward pass stops in the down path
    /// where nothing before trains: the trained parameters get bit-for-bit the gradients of the whole pass, the
    /// context gradient is the same, and the tape is emptied, with and without block checkpointing. A recorder on
    /// the first self-attention shows that its backward pass was skipped when nothing before it needs a gradient.
    @Test(arguments: [("attn2", GradientCheckpointing.none), ("attn2", .blocks), ("attn2.to_v", .none),
                      ("up_blocks", .none), ("down_blocks.1", .blocks), ("down_blocks.0.resnets.0", .none)])
    func skippedInputGradientsLeaveTheTrainedGradients(pattern: String, checkpointing: GradientCheckpointing) throws {
        let (model, store) = try UNetGradientFixtures.model("sd1-tiny")
        let references = try UNetGradientFixtures.references("sd1-tiny")
        let firstSelfAttention = try #require(model.downBlocks.first?.attentions.first?.transformerBlocks.first?.selfAttention.name)

        func run(_ wanted: UNetInputGradients) throws -> (inputs: (sample: Tensor?, encoderHiddenStates: Tensor?),
                                                          gradients: ParameterGradients, backedThrough: [String]) {
            let gradients = try ParameterGradients(store: store, selection: ParameterSelection([pattern]))
            let recorder = ProbabilityRecorder()
            let tape = ActivationTape(checkpointing: checkpointing)
            tape.hooks.register(recorder, on: firstSelfAttention)
            _ = try model.forward(
                sample: references.tensor(named: "inputs.sample"), timesteps: references.tensor(named: "inputs.timesteps").toArray(),
                encoderHiddenStates: references.tensor(named: "inputs.encoder_hidden_states"), tape: tape)
            let inputs = model.backward(try references.tensor(named: "loss.weights"), tape: tape, gradients: gradients,
                                        inputGradients: wanted)
            #expect(tape.count == 0 && tape.savedElements == 0, "\(wanted): \(tape.count) values left on the tape")
            return (inputs, gradients, recorder.backedThrough)
        }
        let whole = try run(.all)
        #expect(whole.backedThrough == [firstSelfAttention])
        let firstBlockTrains = pattern == "down_blocks.0.resnets.0"
        for wanted: UNetInputGradients in [.encoderHiddenStates, []] {
            let partial = try run(wanted)
            #expect(partial.inputs.sample == nil)
            #expect(partial.gradients.flat.toArray() == whole.gradients.flat.toArray(), "\(pattern), \(wanted)")
            if wanted.contains(.encoderHiddenStates) {
                let context = try #require(partial.inputs.encoderHiddenStates)
                let wholeContext = try #require(whole.inputs.encoderHiddenStates)
                #expect(context.toArray() == wholeContext.toArray())
            } else {
                #expect(partial.inputs.encoderHiddenStates == nil)
            }
            #expect(partial.backedThrough == (firstBlockTrains ? [firstSelfAttention] : []), "\(pattern), \(wanted)")
        }
    }

    @Test func inferenceIsTheForwardPass() throws {
        let (model, _) = try UNetGradientFixtures.model("sd2-tiny")
        let references = try UNetGradientFixtures.references("sd2-tiny")
        let sample = try references.tensor(named: "inputs.sample")
        let timesteps = try references.tensor(named: "inputs.timesteps").toArray()
        let text = try references.tensor(named: "inputs.encoder_hidden_states")
        let inference = try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: text)
        let recorded = try model.forward(sample: sample, timesteps: timesteps, encoderHiddenStates: text,
                                         tape: ActivationTape())
        #expect(inference.toArray() == recorded.toArray())
    }
}
