import ArgumentParser
import LetheErasure

/// `lethe uce`: Unified Concept Editing, the closed-form edit of every cross-attention key/value projection.
struct UCE: ClosedFormCommand {
    static let configuration = CommandConfiguration(
        commandName: "uce",
        abstract: "Erase concepts with UCE: a closed-form edit of every attn2 to_k/to_v (Gandikota et al. 2023).",
        discussion: """
            The paper's train_erase.py with its defaults: the concept's embedding rows from its last word token \
            on are mapped to the guide's (default: the unconditional prompt), "" and --preserve prompts keep \
            their keys and values (all 77 rows), λ 0.5, erase scale 1, preserve scale max(0.1, 1/N). Solves \
            are float64. Under mpirun the prompts and the key/value matrices are spread over the ranks; the \
            result is the same bits for any number of ranks. Writes a diffusers folder with \
            erasure-report.json. Example:
              lethe uce --model sd-v1-4 --concept "Van Gogh" --guide art --preserve Monet Picasso --output sd-no-vangogh
            """)

    @OptionGroup var config: ConfigOption
    @OptionGroup var options: ClosedFormOptions
    @OptionGroup(title: "Running") var runtime: RuntimeOptions

    func job() throws -> ClosedFormErasureJob {
        try options.job(rece: nil, config: config)
    }
}
