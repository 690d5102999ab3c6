/// What a learned or erased concept is: an object (a thing, a person) or a style. It picks the prompts training uses.
public enum PromptTemplate: String, Sendable, CaseIterable {
    case object
    case style

    /// diffusers' textual-inversion example's `imagenet_templates_small` / `imagenet_style_templates_small`; `{}`
    /// stands for the placeholder tokens.
    public var textualInversionTemplates: [String] {
        switch self {
        case .object:
            return [
                "a photo of a {}", "a rendering of a {}", "a cropped photo of the {}", "the photo of a {}",
                "a photo of a clean {}", "a photo of a dirty {}", "a dark photo of the {}", "a photo of my {}",
                "a photo of the cool {}", "a close-up photo of a {}", "a bright photo of the {}",
                "a cropped photo of a {}", "a photo of the {}", "a good photo of the {}", "a photo of one {}",
                "a close-up photo of the {}", "a rendition of the {}", "a photo of the clean {}",
                "a rendition of a {}", "a photo of a nice {}", "a good photo of a {}", "a photo of the nice {}",
                "a photo of the small {}", "a photo of the weird {}", "a photo of the large {}",
                "a photo of a cool {}", "a photo of a small {}",
            ]
        case .style:
            return [
                "a painting in the style of {}", "a rendering in the style of {}",
                "a cropped painting in the style of {}", "the painting in the style of {}",
                "a clean painting in the style of {}", "a dirty painting in the style of {}",
                "a dark painting in the style of {}", "a picture in the style of {}",
                "a cool painting in the style of {}", "a close-up painting in the style of {}",
                "a bright painting in the style of {}", "a cropped painting in the style of {}",
                "a good painting in the style of {}", "a close-up painting in the style of {}",
                "a rendition in the style of {}", "a nice painting in the style of {}",
                "a small painting in the style of {}", "a weird painting in the style of {}",
                "a large painting in the style of {}",
            ]
        }
    }

    /// Textual-inversion template `index` (wrapped) with `{}` replaced by `placeholder`.
    public func textualInversionPrompt(_ index: Int, placeholder: String) -> String {
        let templates = textualInversionTemplates
        let template = templates[((index % templates.count) + templates.count) % templates.count]
        return template.replacingOccurrences(of: "{}", with: placeholder)
    }

    /// Forget-Me-Not's training prompt (`ForgetMeNotDataset`): "a photo of X" or "a photo in the style of X".
    public func forgetMeNotPrompt(concept: String) -> String {
        switch self {
        case .object: return "a photo of \(concept)"
        case .style: return "a photo in the style of \(concept)"
        }
    }
}
