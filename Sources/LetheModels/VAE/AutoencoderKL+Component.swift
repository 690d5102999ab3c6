extension AutoencoderKL: DiffusersComponent {
    public static var defaultComponent: String { "vae" }
}

extension AutoencoderKLConfiguration: ComponentConfiguration {}
