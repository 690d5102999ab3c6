/// Inputs of the VAE whose shapes do not fit the model; each message names the input and what the config requires.
public enum VAEInputError: Error, CustomStringConvertible, Equatable {
    case imageShape(found: [Int], inChannels: Int)
    case imageTooSmall(found: [Int], minimum: Int)
    case latentShape(found: [Int], latentChannels: Int)
    case noiseShape(found: [Int], expected: [Int])

    public var description: String {
        switch self {
        case .imageShape(let found, let inChannels):
            return "VAE input image has shape \(found), but the encoder needs [batch, \(inChannels), height, width] with a non-empty batch."
        case .imageTooSmall(let found, let minimum):
            return "VAE input image has shape \(found), but the encoder's downsampling needs height and width of at least \(minimum)."
        case .latentShape(let found, let latentChannels):
            return "VAE input latents have shape \(found), but the decoder needs [batch, \(latentChannels), height, width] with a non-empty batch and size."
        case .noiseShape(let found, let expected):
            return "VAE sampling noise has shape \(found), but the latent distribution has shape \(expected)."
        }
    }
}
