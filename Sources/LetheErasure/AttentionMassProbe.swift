import LetheModels
import LetheTensor
import LetheTraining

/// How much a UNet's cross-attention looks at a concept's tokens: one forward pass on a fixed noise latent with the
/// concept's prompt, the attention probabilities captured in every `attn2` layer through the hooks, and the mass on
/// the concept's word tokens averaged over layers, heads and pixels (0 to 1). Comparing it before and after an
/// edit shows how far the image stops attending to the concept.
public struct AttentionMassProbe {
    /// Latent side in pixels of the latent grid (kept small: the mass is a per-pixel average).
    public var latentSize: Int
    public var timestep: Float
    public var seed: UInt64

    public init(latentSize: Int = 16, timestep: Float = 500, seed: UInt64 = 0) {
        self.latentSize = latentSize
        self.timestep = timestep
        self.seed = seed
    }

    /// The mean attention mass on the word tokens of `prompt` (positions 1 to tokenCount − 2).
    public func mass(unet: UNet2DConditionModel, prompt: EncodedPrompt) throws -> Double {
        let positions = Array(1..<max(1, prompt.tokenCount - 1))
        guard !positions.isEmpty else { return 0 }
        let loss = try ConceptAttentionLoss(tokenPositions: [positions], tokenCount: prompt.embedding.shape[0])
        let tape = ActivationTape(recording: false)
        loss.register(on: tape.hooks)
        let channels = unet.configuration.inChannels
        let sample = RandomStream(seed: seed, purpose: "attention-probe", id: 0)
            .normalTensor(shape: [1, channels, latentSize, latentSize])
        let context = prompt.embedding.reshaped([1] + prompt.embedding.shape)
        _ = try unet.forward(sample: sample, timesteps: [timestep], encoderHiddenStates: context, tape: tape)
        let masses = loss.attentionMass
        guard !masses.isEmpty else { return 0 }
        return masses.reduce(0) { $0 + Double($1.mass) } / Double(masses.count)
    }
}
