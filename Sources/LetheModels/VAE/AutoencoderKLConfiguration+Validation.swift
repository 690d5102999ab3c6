extension AutoencoderKLConfiguration {
    /// Checks that the config describes a VAE Lethe runs exactly as diffusers does and that its sizes fit;
    /// throws `ModelLoadingError.unsupported` / `.invalidConfig` naming the key.
    public func validate(source: String) throws {
        func unsupported(_ key: String, _ value: String, _ supported: String) -> ModelLoadingError {
            .unsupported(path: source, key: key, value: value, supported: supported)
        }
        func invalid(_ key: String, _ reason: String) -> ModelLoadingError {
            .invalidConfig(path: source, key: key, reason: reason)
        }
        if let className, className != "AutoencoderKL" { throw unsupported("_class_name", className, "AutoencoderKL") }
        for type in downBlockTypes where type != "DownEncoderBlock2D" {
            throw unsupported("down_block_types", type, "DownEncoderBlock2D")
        }
        for type in upBlockTypes where type != "UpDecoderBlock2D" {
            throw unsupported("up_block_types", type, "UpDecoderBlock2D")
        }
        guard actFn == "silu" || actFn == "swish" else { throw unsupported("act_fn", actFn, "silu, swish") }
        let count = blockOutChannels.count
        guard count > 0 else { throw invalid("block_out_channels", "is empty") }
        // Each block after the first halves the image: 2^(count − 1) is the VAE's scale factor.
        guard count <= 8 else { throw invalid("block_out_channels", "has \(count) entries; at most 8 are supported (a scale factor of 128)") }
        try UNetArchitecture.checkSampleSize(sampleSize.values(count: 2), source: source)
        guard downBlockTypes.count == count else {
            throw invalid("down_block_types", "has \(downBlockTypes.count) entries but block_out_channels has \(count)")
        }
        guard upBlockTypes.count == count else {
            throw invalid("up_block_types", "has \(upBlockTypes.count) entries but block_out_channels has \(count)")
        }
        for (key, value) in [("in_channels", inChannels), ("out_channels", outChannels), ("latent_channels", latentChannels),
                             ("layers_per_block", layersPerBlock), ("norm_num_groups", normNumGroups)] where value < 1 {
            throw invalid(key, "must be positive, found \(value)")
        }
        guard layersPerBlock <= UNetArchitecture.maximumRepeats else {
            throw invalid("layers_per_block", "is \(layersPerBlock); at most \(UNetArchitecture.maximumRepeats) layers per block are supported")
        }
        if let bad = blockOutChannels.first(where: { $0 < 1 }) {
            throw invalid("block_out_channels", "must be positive, found \(bad)")
        }
        if let bad = blockOutChannels.first(where: { $0 % normNumGroups != 0 }) {
            throw invalid("norm_num_groups", "(\(normNumGroups)) does not divide \(bad) channels")
        }
    }
}
