/// Inputs of a UNet forward pass whose shapes do not fit the model; each message names the input and the shape
/// the model's config requires.
public enum UNetInputError: Error, CustomStringConvertible, Equatable {
    case sampleShape(found: [Int], inChannels: Int)
    case timestepCount(found: Int, batch: Int)
    case encoderHiddenStatesShape(found: [Int], batch: Int, width: Int)

    public var description: String {
        switch self {
        case .sampleShape(let found, let inChannels):
            return "UNet input 'sample' has shape \(found), but the model needs [batch, \(inChannels), height, width] with a non-empty batch and image."
        case .timestepCount(let found, let batch):
            return "UNet input 'timesteps' holds \(found) values, but the model needs 1 or one per sample (\(batch))."
        case .encoderHiddenStatesShape(let found, let batch, let width):
            return "UNet input 'encoder_hidden_states' has shape \(found), but the model needs [\(batch), tokens, \(width)] (one text per sample, cross_attention_dim \(width))."
        }
    }
}
