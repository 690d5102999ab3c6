extension UNet2DConditionConfiguration {
    static let supportedDownBlocks = ["CrossAttnDownBlock2D", "DownBlock2D"]
    static let supportedUpBlocks = ["CrossAttnUpBlock2D", "UpBlock2D"]
    static let supportedMidBlock = "UNetMidBlock2DCrossAttn"

    /// Checks that the config describes a UNet Lethe runs exactly as diffusers does (the SD 1.x/2.x architecture)
    /// and that its sizes fit together; throws `ModelLoadingError.unsupported` / `.invalidConfig` naming the key.
    public func validate(source: String) throws {
        _ = try UNetArchitecture(self, source: source)
    }

    /// A block type as diffusers' get_down_block/get_up_block read it (a "UNetRes" prefix is dropped).
    static func normalizedBlockType(_ type: String) -> String {
        type.hasPrefix("UNetRes") ? String(type.dropFirst(7)) : type
    }

    /// The keys whose values select features Lethe does not implement, with the value that would be needed.
    func checkSupportedFeatures(source: String) throws {
        func unsupported(_ key: String, _ value: String, _ supported: String) -> ModelLoadingError {
            .unsupported(path: source, key: key, value: value, supported: supported)
        }
        func requireNull<T>(_ key: String, _ value: T?) throws {
            if let value { throw unsupported(key, "\(value)", "null") }
        }
        if let className, className != "UNet2DConditionModel" {
            throw unsupported("_class_name", className, "UNet2DConditionModel")
        }
        for type in downBlockTypes where !Self.supportedDownBlocks.contains(Self.normalizedBlockType(type)) {
            throw unsupported("down_block_types", type, Self.supportedDownBlocks.joined(separator: ", "))
        }
        for type in upBlockTypes where !Self.supportedUpBlocks.contains(Self.normalizedBlockType(type)) {
            throw unsupported("up_block_types", type, Self.supportedUpBlocks.joined(separator: ", "))
        }
        guard midBlockType == Self.supportedMidBlock else {
            throw unsupported("mid_block_type", midBlockType ?? "null", Self.supportedMidBlock)
        }
        if onlyCrossAttention.values(count: downBlockTypes.count).contains(true) {
            throw unsupported("only_cross_attention", onlyCrossAttention.jsonText, "false")
        }
        guard actFn == "silu" || actFn == "swish" else { throw unsupported("act_fn", actFn, "silu, swish") }
        guard normNumGroups != nil else { throw unsupported("norm_num_groups", "null", "a number of groups") }
        if let reverseTransformerLayersPerBlock {
            throw unsupported("reverse_transformer_layers_per_block", "\(reverseTransformerLayersPerBlock)", "null")
        }
        try requireNull("encoder_hid_dim", encoderHidDim)
        try requireNull("encoder_hid_dim_type", encoderHidDimType)
        // diffusers itself refuses num_attention_heads here: heads come from attention_head_dim (legacy naming).
        if let numAttentionHeads {
            throw unsupported("num_attention_heads", numAttentionHeads.jsonText,
                              "null (UNet2DConditionModel takes the head count from attention_head_dim)")
        }
        guard !dualCrossAttention else { throw unsupported("dual_cross_attention", "true", "false") }
        try requireNull("class_embed_type", classEmbedType)
        try requireNull("num_class_embeds", numClassEmbeds)
        guard !classEmbeddingsConcat else { throw unsupported("class_embeddings_concat", "true", "false") }
        try requireNull("addition_embed_type", additionEmbedType)
        guard resnetTimeScaleShift == "default" else {
            throw unsupported("resnet_time_scale_shift", resnetTimeScaleShift, "default")
        }
        guard timeEmbeddingType == "positional" else {
            throw unsupported("time_embedding_type", timeEmbeddingType, "positional")
        }
        try requireNull("time_embedding_act_fn", timeEmbeddingActFn)
        try requireNull("timestep_post_act", timestepPostAct)
        try requireNull("time_cond_proj_dim", timeCondProjDim)
        guard attentionType == "default" else { throw unsupported("attention_type", attentionType, "default") }
        for (key, kernel) in [("conv_in_kernel", convInKernel), ("conv_out_kernel", convOutKernel)]
        where kernel < 1 || kernel % 2 == 0 {
            throw unsupported(key, "\(kernel)", "an odd kernel size (1, 3, ...)")
        }
    }
}
