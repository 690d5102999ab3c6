import ArgumentParser
import LetheErasure

/// `lethe rece`: UCE, then RECE's closed-form adversarial epochs.
struct RECE: ClosedFormCommand {
    static let configuration = CommandConfiguration(
        commandName: "rece",
        abstract: "Erase concepts with RECE: UCE, then epochs of closed-form adversarial embeddings erased in turn (Gong et al. 2024).",
        discussion: """
            First UCE with its defaults (all UCE options apply). Then each epoch derives, for every concept, the \
            embedding that best re-creates the original keys and values under the current weights \
            ((λr I + Σ WᵀW)⁻¹ Σ WᵀW₀ applied to all 77 rows) and edits again to map it to the guide (λ 0.1, \
            preserve scale 0.1; " " preserved once per concept, or "" and --preserve). --task picks the \
            authors' λr and epochs: nudity 0.1 and 3, artist 1e-3 and 1, object 1e-3 and 1. --rece-variant \
            picks the authors' other closed forms: standardreg regularises towards the guide's embedding, \
            surrogatereg towards the concept's keys/values (--reg-item 1st), the concept's embedding (2nd) or both. \
            Example:
              lethe rece --model sd-v1-4 --concept nudity --task nudity --output sd-v1-4-no-nudity
            """)

    @OptionGroup var config: ConfigOption
    @OptionGroup var options: ClosedFormOptions
    @OptionGroup(title: "Running") var runtime: RuntimeOptions

    @Option(help: "Authors' defaults for λr and epochs: nudity, artist or object.")
    var task: RECESettings.Task = .nudity

    @Option(parsing: .unconditional, help: "Adversarial epochs. Default: the task's.")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "λr: weight of the adversarial embedding's regularisation (towards zero for regzero, see --rece-variant). Default: the task's.")
    var reg: Double?

    @Option(parsing: .unconditional, help: "λ of each adversarial edit.")
    var receLamb: Double = 0.1

    @Option(parsing: .unconditional, help: "Erase scale of each adversarial edit.")
    var receEraseScale: Double = 1

    @Option(parsing: .unconditional, help: "Preserve scale of each adversarial edit.")
    var recePreserveScale: Double = 0.1

    @Option(help: "Technique of the adversarial edits: replace or tensor.")
    var receTechnique: EditTechnique = .replace

    @Option(help: "The adversarial embedding's closed form (the authors' --emb_computing): regzero (regularised towards zero), standardreg (towards the guide's embedding), surrogatereg (see --reg-item).")
    var receVariant: RECESettings.Variant = .regzero

    @Option(help: "surrogatereg's regularisation (the authors' --reg_item): 1st (keys/values near the concept's under the current weights), 2nd (the embedding near the concept's) or both. Default: 1st.")
    var regItem: RECESettings.SurrogateTerms?

    func job() throws -> ClosedFormErasureJob {
        var settings = RECESettings(task: task)
        if let epochs { settings.epochs = epochs }
        if let reg { settings.regularization = reg }
        settings.lambda = receLamb
        settings.eraseScale = receEraseScale
        settings.preserveScale = recePreserveScale
        settings.technique = receTechnique
        settings.variant = receVariant
        if let regItem {
            guard receVariant == .surrogatereg else {
                throw ValidationError("--reg-item applies to --rece-variant surrogatereg only, got --rece-variant \(receVariant.rawValue)")
            }
            settings.surrogateTerms = regItem
        }
        try settings.validate()
        return try options.job(rece: settings, config: config)
    }
}
