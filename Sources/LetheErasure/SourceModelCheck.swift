import Foundation
import LetheDiffusion
import LetheIO
import LetheModels

/// Checks the components of a source model that an erased folder copies unchanged, before a job starts: a broken
/// config or weight file would otherwise be copied into the output unnoticed, or fail only after the work.
enum SourceModelCheck {
    /// Verifies every component model_index.json names that Lethe knows, except `skipping` (the components the job
    /// loads and replaces itself): configs decode and validate, weights hold exactly the tensors the config implies
    /// with the right shapes (tensor data is not read), the tokenizer loads, the scheduler can be built.
    static func verify(_ folder: DiffusersModelFolder, skipping: Set<String>) throws {
        for (component, pair) in folder.components.sorted(by: { $0.key < $1.key }) where !skipping.contains(component) {
            switch pair.last {
            case "UNet2DConditionModel": try UNet2DConditionModel.verify(in: folder, component: component)
            case "AutoencoderKL": try AutoencoderKL.verify(in: folder, component: component)
            case "CLIPTextModel": try CLIPTextModel.verify(in: folder, component: component)
            case "CLIPTokenizer", "CLIPTokenizerFast": _ = try CLIPTokenizer(folder: folder.componentFolder(component))
            default:
                if component == "scheduler" {
                    let configuration = try SchedulerConfiguration(
                        contentsOf: folder.componentFile(component, "scheduler_config.json"))
                    _ = try configuration.makeScheduler()
                }
            }
        }
    }
}
