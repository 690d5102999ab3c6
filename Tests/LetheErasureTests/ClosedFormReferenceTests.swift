import Foundation
import LetheErasure
import LetheIO
import LetheModels
import LetheTensor
import LetheTestSupport
import Testing

/// UCE and RECE against the float64 Python reference of the authors' algorithms
/// (Scripts/reference/make_closed_form_fixtures.py), through the whole job: the written folder is read back.
@Suite struct ClosedFormReferenceTests {
    static let caseNames = [
        "uce-paper-replace", "uce-paper-tensor", "uce-single-token", "rece-nudity", "rece-artist-tensor",
        "uce-add-prompts-art", "uce-add-prompts-object", "rece-standardreg", "rece-surrogatereg",
        "rece-surrogatereg-2nd", "rece-surrogatereg-both",
    ]
    /// The cases of RECE's other closed forms (close_standardreg, close_surrogatereg with each --reg_item).
    /// A case's fixture and its projections after the case's UCE edit (the state RECE's first epoch starts from),
    /// with the concepts' and guides' embeddings. `editPairs` is `erasePairs` plus any `--add-prompts` expansion.
    static func uceEdited(_ testCase: ClosedFormCase) throws
        -> (ClosedFormProjectionsFixture, ProjectionEditChain, [EncodedPrompt], [EncodedPrompt]) {
        let fixture = try ClosedFormProjectionsFixture(folder: Fixture.pipeline(testCase.pipeline))
        let editing = UnifiedConceptEditing(settings: testCase.uceSettings, encoder: fixture.encoder)
        let (concepts, guides) = try editing.encodeConcepts()
        let chain = try ProjectionEditChain(projections: fixture.projections, communicator: .singleProcess())
        try chain.apply(editing.edit(
            pairs: editing.editPairs(concepts: concepts, guides: guides), preserveGram: editing.preserveGram()).solver())
        return (fixture, chain, concepts, guides)
    }

    static let variantCaseNames = ["rece-standardreg", "rece-surrogatereg", "rece-surrogatereg-2nd", "rece-surrogatereg-both"]

    @Test(arguments: caseNames)
    func editedProjectionsMatchTheReference(_ name: String) throws {
        let testCase = try #require(try ClosedFormCase.all()[name])
        let edited = try testCase.edit()
        let reference = try SafeTensorsFile.open(ClosedFormCase.file)
        let names = reference.tensorNames.filter { $0.hasPrefix(name + ".") && !$0.contains(".adversarial.") }
        #expect(names.count == edited.projections.projections.count)
        var worst = 0.0
        for projection in edited.projections.projections {
            let expected = try reference.tensor(named: "\(name).\(projection.name)")
            let error = RelativeError(projection.weight, expected).value
            worst = max(worst, error)
            #expect(error <= 1e-4, "\(name): \(projection.name) differs from the reference by \(error)")
        }
        print("\(name): worst relative error over \(names.count) projections \(worst)")
    }

    @Test(arguments: caseNames)
    func writtenFolderHoldsTheEditInTheSourceFormat(_ name: String) throws {
        // The job's folder: the edited projections as computed (rounded to the source's dtype: sd2-tiny is an
        // fp16-variant model), every other tensor exactly as in the source, the source's variant file name.
        let testCase = try #require(try ClosedFormCase.all()[name])
        let (folder, _) = try testCase.run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try DiffusersModelFolder(url: Fixture.pipeline(testCase.pipeline)).weights(of: "unet")
        let written = try DiffusersModelFolder(url: folder).weights(of: "unet")
        let fp16 = testCase.pipeline == "sd2-tiny"
        let fileName = fp16 ? "diffusion_pytorch_model.fp16.safetensors" : "diffusion_pytorch_model.safetensors"
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("unet/\(fileName)").path))
        let edited = Dictionary(uniqueKeysWithValues: try testCase.edit().projections.projections.map { ($0.name, $0.weight) })
        var unchanged = 0
        for name in written.tensorNames {
            #expect(written.info(named: name)?.dtype == (fp16 ? .f16 : .f32), "\(name) has dtype \(String(describing: written.info(named: name)?.dtype))")
            let values = try written.tensor(named: name).toArray()
            if let computed = edited[name] {
                let expected = computed.toArray().map { fp16 ? HalfPrecision.float(fromF16: HalfPrecision.f16Bits(from: $0)) : $0 }
                #expect(values == expected, "\(name) is not the computed edit")
            } else {
                #expect(values == (try source.tensor(named: name).toArray()), "\(name) changed")
                unchanged += 1
            }
        }
        #expect(unchanged > 100)
    }

    @Test(arguments: [false, true])
    func adversarialEmbeddingsMatchTheReference(materialized: Bool) throws {
        // RECE's first epoch: the closed-form adversarial embedding against the UCE-edited weights, from the chain's
        // factored Gram sums (W = W₀M) and from the written-out weights.
        let testCase = try #require(try ClosedFormCase.all()["rece-nudity"])
        let (_, chain, concepts, _) = try Self.uceEdited(testCase)
        if materialized { try chain.materialize() }
        let solver = try AdversarialEmbedding.solver(chain.grams(), regularization: testCase.rece!.reg)
        let adversarial = try AdversarialEmbedding.rows(of: concepts[0].allRows(), solver: solver).toTensor()
        let reference = try SafeTensorsFile.open(ClosedFormCase.file).tensor(named: "rece-nudity.adversarial.0.1")
        let error = RelativeError(adversarial, reference).value
        #expect(error <= 1e-4, "adversarial embedding differs from the reference by \(error)")
    }

    @Test(arguments: variantCaseNames)
    func otherClosedFormsMatchTheReference(_ name: String) throws {
        // Each concept's first-epoch adversarial embedding against the UCE-edited weights, by the variant's closed
        // form (standardreg's target: the concept's guide, all 77 rows).
        let testCase = try #require(try ClosedFormCase.all()[name])
        let settings = try #require(testCase.receSettings)
        #expect(settings.variant != .regzero)
        let (_, chain, concepts, guides) = try Self.uceEdited(testCase)
        let solver = try AdversarialEmbedding.solver(chain.grams(), settings: settings)
        let reference = try SafeTensorsFile.open(ClosedFormCase.file)
        for (index, concept) in concepts.enumerated() {
            let target = settings.variant == .standardreg ? try guides[index].allRows() : nil
            let adversarial = try AdversarialEmbedding.rows(of: concept.allRows(), target: target, solver: solver).toTensor()
            let error = RelativeError(adversarial, try reference.tensor(named: "\(name).adversarial.\(index).1")).value
            print("\(name): adversarial embedding \(index), relative error \(error)")
            #expect(error <= 1e-4, "\(name): adversarial embedding \(index) differs from the reference by \(error)")
        }
    }

    @Test func regzeroIsTheDefaultAndTheVariantsDiffer() throws {
        // The same Gram sums through each closed form: regzero is the plain solver, and every other form gives
        // another embedding (so a variant that silently fell back to regzero would show).
        // After UCE's edit: on the original weights (E = X) the surrogate forms would all give c itself.
        let testCase = try #require(try ClosedFormCase.all()["rece-nudity"])
        let (fixture, chain, concepts, _) = try Self.uceEdited(testCase)
        let grams = try chain.grams()
        let concept = try concepts[0].allRows()
        let target = try fixture.encode("").allRows()
        var settings = RECESettings(task: .nudity)
        #expect(settings.variant == .regzero && settings.surrogateTerms == .first)
        let plain = try AdversarialEmbedding.rows(of: concept, solver: AdversarialEmbedding.solver(grams, regularization: 0.1))
        #expect(try AdversarialEmbedding.rows(of: concept, solver: AdversarialEmbedding.solver(grams, settings: settings)).elements == plain.elements)
        var seen = [plain.elements]
        for (variant, terms) in [(RECESettings.Variant.standardreg, RECESettings.SurrogateTerms.first),
                                 (.surrogatereg, .first), (.surrogatereg, .second), (.surrogatereg, .both)] {
            settings.variant = variant
            settings.surrogateTerms = terms
            let rows = try AdversarialEmbedding.rows(
                of: concept, target: variant == .standardreg ? target : nil, solver: AdversarialEmbedding.solver(grams, settings: settings))
            // Far beyond the reference tests' 1e-4, so those tests tell the forms apart.
            let difference = RelativeError(rows, plain).value
            print("\(variant) \(terms): differs from regzero by \(difference) relative")
            #expect(difference > 1e-3, "\(variant) \(terms) is close to regzero (\(difference))")
            #expect(!seen.contains(rows.elements), "\(variant) \(terms) equals an earlier form")
            seen.append(rows.elements)
        }
    }

    @Test func addPromptsFollowTheAuthorsLists() throws {
        // train_erase.py: each concept, then its five templates, all steered to the concept's guide;
        // uce_sd_erase.py: every concept first, then the templates, each steered to the same template of the guide.
        let fixture = try ClosedFormProjectionsFixture(folder: Fixture.pipeline("sd1-tiny"))
        var settings = UCESettings(concepts: ["Van Gogh", "Monet"], guides: ["art"])
        settings.addPrompts = .art
        let paper = UnifiedConceptEditing(settings: settings, encoder: fixture.encoder)
        let expanded = paper.expandedPrompts()
        #expect(expanded.map(\.concept) == ["Van Gogh", "Monet"].flatMap { concept in
            ["painting by", "art by", "artwork by", "picture by", "style of"].map { "\($0) \(concept)" } })
        #expect(expanded.allSatisfy { $0.guide == "art" })
        #expect(expanded.map(\.index) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        let (concepts, guides) = try paper.encodeConcepts()
        let base = try paper.erasePairs(concepts: concepts, guides: guides)
        let pairs = try paper.editPairs(concepts: concepts, guides: guides)
        #expect(pairs.count == 12)
        #expect(pairs[0].concept.elements == base[0].concept.elements && pairs[6].concept.elements == base[1].concept.elements)
        let painting = try fixture.encode("painting by Van Gogh")
        #expect(pairs[1].concept.elements == (try painting.rows(painting.lastWordPosition..<painting.embedding.shape[0]).elements))

        settings.variant = .singleToken
        settings.addPrompts = .object
        let single = UnifiedConceptEditing(settings: settings, encoder: fixture.encoder)
        #expect(single.expandedPrompts().first! == ("image of Van Gogh", "image of art", 0))
        #expect(single.expandedPrompts().last! == ("painting of Monet", "painting of art", 1))
        let singlePairs = try single.editPairs(concepts: concepts, guides: guides)
        #expect(singlePairs.count == 12 && singlePairs.allSatisfy { $0.concept.rows == 1 })
        let singleBase = try single.erasePairs(concepts: concepts, guides: guides)
        #expect(singlePairs[1].concept.elements == singleBase[1].concept.elements)
    }
}
