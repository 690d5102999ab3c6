import ArgumentParser
import Foundation
import LetheDistributed
import LetheIO
import LetheWorld

/// `lethe world data`: writes the synthetic captioned image set as a Hugging Face `imagefolder` dataset.
struct WorldData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Write the world's captioned images as an imagefolder dataset (metadata.jsonl and PNGs).",
        discussion: """
            Shapes (\(WorldShape.allCases.map(\.name).joined(separator: ", "))), colours \
            (\(WorldColor.allCases.map(\.name).joined(separator: ", "))) and fictional artists \
            (\(WorldArtist.allCases.map(\.name).joined(separator: ", "))), one or two objects per picture, \
            captions in \(CaptionPhrasing.allCases.count) phrasings, some with a shape's synonym. \
            \(HeldOutTriples.all.count) shape x colour x artist triples never appear in the train split; \
            --split heldout draws only them, --split all draws every triple and files each image under its split. \
            The same seed gives the same bytes. metadata.jsonl holds one JSON object per image: file_name, text \
            (the caption), shape, color, artist (the first object's), objects, phrasing and split, as diffusers' \
            train_text_to_image.py reads an imagefolder dataset.
            """)

    @Option(help: "The folder to write (a new folder, or one this command wrote with --overwrite).")
    var output: String

    @Option(help: "Number of images (1 to 1000000).")
    var count: Int = 1000

    @Option(help: "Image side in pixels: 64 or 32.")
    var size: Int = 64

    @Option(parsing: .unconditional, help: "Seed of the pictures and captions.")
    var seed: UInt64 = 0

    @Option(help: "Which images: train (no held-out triple), heldout (only held-out triples) or all.")
    var split: String = "train"

    @Option(help: "Also write a contact sheet of the first 64 images (8 across) to this PNG file.")
    var grid: String?

    @Flag(help: "Replace an existing dataset folder this command wrote (and an existing --grid PNG).")
    var overwrite = false

    @OptionGroup var configOption: ConfigOption

    func validate() throws {
        guard WorldRenderer.sizes.contains(size) else {
            throw ValidationError("--size must be 64 or 32, got \(size)")
        }
        guard (1...1_000_000).contains(count) else {
            throw ValidationError("--count must be between 1 and 1000000, got \(count)")
        }
        guard WorldSplit(rawValue: split) != nil else {
            throw ValidationError("--split must be train, heldout or all, got '\(split)'")
        }
    }

    func run() throws {
        guard try Communicator.world().rank == 0 else { return }
        let chosenSplit = WorldSplit(rawValue: split)!
        let destination = try OutputGuard.check(
            output: output, kind: .dataset, inputs: configOption.inputs, overwrite: overwrite)
        var gridDestination: String?
        if let grid {
            gridDestination = try OutputGuard.check(
                output: grid, kind: .image,
                inputs: configOption.inputs + [OutputGuard.Input(output, role: "--output dataset")], overwrite: overwrite)
        }
        let writer = WorldDatasetWriter(
            dataset: WorldDataset(seed: seed, split: chosenSplit), renderer: WorldRenderer(size: size), count: count)
        let staging = try StagingFolder(destination: destination)
        let bar = ProgressBar("world data", total: count)
        let every = max(1, count / 20)
        var counts: [WorldSplit: Int] = [:]
        try staging.fill { folder in
            counts = try writer.write(into: folder) { done in
                if done % every == 0 || done == count { bar.update(done) }
            }
        }
        try staging.commit(replacing: overwrite)
        if let gridDestination {
            let sheet = try writer.contactSheet(count: min(count, 64))
            try AtomicFileOutput.write(try sheet.pngData(), to: gridDestination)
        }
        let splits = [WorldSplit.train, .heldout].compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }
        print("wrote \(output): \(count) images of \(size)x\(size) px (\(splits.joined(separator: ", "))), "
            + "metadata.jsonl, seed \(seed)" + (grid.map { "; contact sheet \($0)" } ?? ""))
    }
}
