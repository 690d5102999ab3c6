extension UNet2DConditionModel: DiffusersComponent {
    public static var defaultComponent: String { "unet" }
}

extension UNet2DConditionConfiguration: ComponentConfiguration {}
