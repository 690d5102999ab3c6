import Foundation
import LetheIO

/// The world's model that ships with Lethe as its default model: the diffusers folder `lethe world train` wrote
/// (in half precision), with the world_recipe.json that records how it was made and every file's size and hash.
public enum WorldDefaultModel {
    /// The shipped model's folder, or nil when this build has no such resource.
    public static var bundledFolder: URL? {
        Bundle.module.resourceFolder("model", containing: ["model_index.json", WorldRecipeRecord.fileName])
    }
}
