import Foundation
import LetheIO

extension CLIPTextModel {
    /// Loads a pipeline's text encoder: `COMPONENT/config.json` and its weights (any file layout
    /// `DiffusersModelFolder.weights(of:)` reads), rejecting tensors the model does not use; `loading` as
    /// `WeightLoading` says (`.mapped` only to run the model).
    public init(folder: DiffusersModelFolder, component: String = "text_encoder", loading: WeightLoading = .arena) throws {
        let configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile(component, "config.json"))
        try self.init(configuration: configuration, checkpoint: folder.weights(of: component), loading: loading)
    }

    /// Checks the text encoder's config and that its weights hold exactly the model's tensors with the right shapes,
    /// without reading tensor data.
    public static func verify(in folder: DiffusersModelFolder, component: String = "text_encoder") throws {
        let configuration = try CLIPTextConfiguration(contentsOf: folder.componentFile(component, "config.json"))
        let store = WeightStore(source: .verifying(try folder.weights(of: component)))
        _ = try CLIPTextModel(configuration: configuration, weights: store)
        try store.finish()
    }

    /// Builds the model from a config and a checkpoint holding exactly its weights (with or without the
    /// `text_model.` prefix; a full CLIPModel checkpoint fails on its vision tower's tensors).
    public init(configuration: CLIPTextConfiguration, checkpoint: any SafeTensorsReader, loading: WeightLoading = .arena) throws {
        let store = WeightStore(checkpoint: checkpoint, loading: loading)
        try self.init(configuration: configuration, weights: store)
        try store.finish()
    }
}
