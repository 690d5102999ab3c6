/// Stable Diffusion model components (tokenizer, text encoder, UNet, VAE) arrive here.
public enum LetheModels {}
