import Foundation
import LetheIO

/// A component config.json that decodes with diffusers' keys and checks itself.
public protocol ComponentConfiguration: Decodable {
    func validate(source: String) throws
}

extension ComponentConfiguration {
    /// Reads and validates a config.json file.
    public static func load(from url: URL) throws -> Self {
        let configuration = try JSONConfig.decode(Self.self, from: url)
        try configuration.validate(source: url.path)
        return configuration
    }

    /// Decodes and validates config.json text; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> Self {
        let configuration: Self
        do {
            configuration = try JSONDecoder().decode(Self.self, from: data)
        } catch let error as DecodingError {
            throw ModelLoadingError.unreadableConfig(path: source, reason: error.explanation(in: data, decoding: Self.self))
        }
        try configuration.validate(source: source)
        return configuration
    }
}

/// A diffusers pipeline component built from its config.json and its weights.
public protocol DiffusersComponent {
    associatedtype Configuration: ComponentConfiguration
    /// The component's folder in a pipeline ("unet", "vae").
    static var defaultComponent: String { get }
    init(configuration: Configuration, weights store: WeightStore, source: String) throws
}

extension DiffusersComponent {
    /// Loads `COMPONENT/config.json` and its weights (any variant or sharding `DiffusersModelFolder` finds),
    /// requiring every checkpoint tensor to be used. `loading`: `.arena` (owned, writable weights) unless the
    /// model is only run (`.mapped`, see `WeightLoading`).
    public static func load(from folder: DiffusersModelFolder, component: String = defaultComponent,
                            loading: WeightLoading = .arena) throws -> Self {
        try loadWithWeights(from: folder, component: component, loading: loading).model
    }

    /// Checks `COMPONENT/config.json` and that its weights hold exactly the tensors the config implies, with the
    /// right shapes, without reading tensor data: a broken component is found before a job's work starts.
    public static func verify(in folder: DiffusersModelFolder, component: String = defaultComponent) throws {
        let configURL = try folder.componentFile(component, "config.json")
        let configuration = try Configuration.load(from: configURL)
        let store = WeightStore(source: .verifying(try folder.weights(of: component)))
        _ = try Self(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
    }

    /// The same, also returning the weight store: its layout names every parameter, which training needs to choose
    /// what trains (`ParameterGradients(store:selection:)`) and to save the trained weights.
    public static func loadWithWeights(from folder: DiffusersModelFolder, component: String = defaultComponent,
                                       loading: WeightLoading = .arena) throws -> (model: Self, weights: WeightStore) {
        let configURL = try folder.componentFile(component, "config.json")
        let configuration = try Configuration.load(from: configURL)
        let store = WeightStore(checkpoint: try folder.weights(of: component), loading: loading)
        let model = try Self(configuration: configuration, weights: store, source: configURL.path)
        try store.finish()
        return (model, store)
    }
}
