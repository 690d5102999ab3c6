import ArgumentParser
import Foundation
import LetheDiffusion
import LetheDistributed
import LetheIO
import LetheModels
import LetheTensor
import LetheWorld

/// `lethe bench watermark`: how the invisible watermark survives what happens to images once shared.
struct BenchWatermark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watermark",
        abstract: "Measure how the invisible watermark survives JPEG re-encoding, resizing and cropping.",
        discussion: """
            Covers: --pictures images drawn by the world's model (or --model), one caption each naming one of the \
            world's shapes in turn, resized (bicubic) to --size pixels a side, plus any --image files. Each is marked \
            with --text (Lethe's default mark) as lethe generate marks it, changed, and read back at the size it \
            then has. Per change: the mean share of the mark's bits read right, the share of images where the mark \
            is found (agreeing bits less likely than \(KnownWatermark.foundChance) by chance, as lethe watermark \
            detect decides) and where every bit is right. The unmarked covers are read too: a mark found there \
            is a false alarm. JPEG is libjpeg at the quality given (PIL's defaults); resizing is PIL's bicubic; \
            crops keep the named part. A reader that knows the original size can resize back first: "0.5x and \
            back" measures that.
            """)

    @OptionGroup var modelOption: ModelOption

    @Option(help: ArgumentHelp("Pictures drawn by the model as covers.", valueName: "n"))
    var pictures = 12

    @Option(help: ArgumentHelp("Side in pixels the drawn pictures are resized to (at least 256).", valueName: "pixels"))
    var size = 512

    @Option(name: .customLong("image"), help: ArgumentHelp("A PNG or JPEG cover of your own (repeatable).", valueName: "file"))
    var images: [String] = []

    @Option(help: ArgumentHelp("The mark's text.", valueName: "text"))
    var text = KnownWatermark.letheText

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        guard (0...1000).contains(pictures) else { throw ValidationError("--pictures must be between 0 and 1000, got \(pictures)") }
        guard (256...4096).contains(size) else { throw ValidationError("--size must be between 256 and 4096 pixels, got \(size)") }
        guard pictures > 0 || !images.isEmpty else { throw ValidationError("nothing to measure: --pictures 0 and no --image") }
        guard !text.isEmpty else { throw ValidationError("--text must not be empty") }
    }

    /// One change applied to a marked image, and its name in the table.
    struct Change: Sendable {
        let name: String
        let apply: @Sendable (ImageRGB8) throws -> ImageRGB8
    }

    static let changes: [Change] = {
        func jpeg(_ quality: Int) -> Change {
            Change(name: "JPEG quality \(quality)") { try ImageRGB8(decoding: try $0.jpegData(quality: quality)) }
        }
        func scaled(_ factor: Double, back: Bool = false) -> Change {
            Change(name: back ? "resized \(factor)x and back" : "resized \(factor)x") { image in
                let resized = try image.resized(width: Int((Double(image.width) * factor).rounded()),
                                                height: Int((Double(image.height) * factor).rounded()), filter: .bicubic)
                return back ? try resized.resized(width: image.width, height: image.height, filter: .bicubic) : resized
            }
        }
        func crop(_ name: String, _ region: @escaping @Sendable (Int, Int) -> (x: Int, y: Int, width: Int, height: Int)) -> Change {
            Change(name: name) { image in
                let (x, y, width, height) = region(image.width, image.height)
                return try image.cropped(x: x, y: y, width: width, height: height)
            }
        }
        return [
            Change(name: "none (PNG as written)") { $0 },
            jpeg(95), jpeg(90), jpeg(75), jpeg(50),
            scaled(0.5), scaled(0.75), scaled(1.5), scaled(0.5, back: true),
            crop("cropped: bottom 25 % off") { width, height in (0, 0, width, height * 3 / 4) },
            crop("cropped: right 25 % off") { width, height in (0, 0, width * 3 / 4, height) },
            crop("cropped: central 75 %") { width, height in (width / 8, height / 8, width * 3 / 4, height * 3 / 4) },
        ]
    }()

    struct Row: Encodable {
        var change: String
        var images: Int
        var readable: Int
        var bitAccuracy: Double
        var found: Double
        var exact: Double
    }

    struct Report: Encodable {
        var mark: String
        var bits: Int
        var covers: [String]
        var falseAlarms: Int
        var rows: [Row]
    }

    func run() throws {
        let world = try Communicator.world()
        guard world.size == 1 else { throw ValidationError("lethe bench watermark runs as one process; run it without mpirun") }
        let mark = try InvisibleWatermark(text: text)
        let known = KnownWatermark(name: "bench", origin: "--text", mark: mark)
        var covers = try images.map { path in (name: path, image: try ImageRGB8(contentsOfFile: path)) }
        covers += try drawnCovers(communicator: world)
        for cover in covers where !mark.fits(width: cover.image.width, height: cover.image.height) {
            throw ValidationError("\(cover.name) is \(cover.image.width) x \(cover.image.height) pixels, too small for a \(mark.bits.count)-bit mark")
        }
        let marked = try covers.map { try mark.embedded(in: $0.image, source: $0.name) }
        let falseAlarms = try covers.filter { cover in
            known.isFound(agreeing: try InvisibleWatermark.read(cover.image, length: mark.bits.count).agreement(with: mark))
        }.count
        var rows: [Row] = []
        for change in Self.changes {
            var accuracies: [Double] = [], found = 0, exact = 0
            for image in marked {
                let changed = try change.apply(image)
                guard mark.fits(width: changed.width, height: changed.height) else { continue }
                let agreeing = try InvisibleWatermark.read(changed, length: mark.bits.count).agreement(with: mark)
                accuracies.append(Double(agreeing) / Double(mark.bits.count))
                if known.isFound(agreeing: agreeing) { found += 1 }
                if agreeing == mark.bits.count { exact += 1 }
            }
            let readable = accuracies.count
            rows.append(Row(change: change.name, images: marked.count, readable: readable,
                            bitAccuracy: accuracies.reduce(0, +) / Double(max(readable, 1)),
                            found: Double(found) / Double(max(readable, 1)), exact: Double(exact) / Double(max(readable, 1))))
        }
        let report = Report(mark: mark.description, bits: mark.bits.count, covers: covers.map(\.name), falseAlarms: falseAlarms, rows: rows)
        if json {
            print(try DocumentJSON.line(report))
            return
        }
        print("mark \(report.mark) on \(covers.count) covers; found on \(falseAlarms) of the \(covers.count) unmarked covers (false alarms)")
        print("| change | bits read right | mark found | every bit right |")
        print("|---|---|---|---|")
        for row in rows {
            guard row.readable > 0 else {
                print("| \(row.change) | too small to read | | |")
                continue
            }
            let note = row.readable < row.images ? " (\(row.readable) of \(row.images) readable)" : ""
            print(String(format: "| %@%@ | %.1f %% | %.0f %% | %.0f %% |", row.change, note, 100 * row.bitAccuracy,
                         100 * row.found, 100 * row.exact))
        }
    }

    /// `pictures` drawn by the model, one caption naming each of the world's shapes in turn, resized to `size`.
    private func drawnCovers(communicator: Communicator) throws -> [(name: String, image: ImageRGB8)] {
        guard pictures > 0 else { return [] }
        let pipeline = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: try modelOption.url()))
        let captions = WorldPromptSets(count: pictures, seed: 0, purpose: "bench.watermark").others(.shape(.circle)).map(\.caption)
        let drawn = try BLASThreads.with(pipeline.preferredBLASThreads) {
            try WorldDrawing().images(captions, pipeline: pipeline, communicator: communicator)
        }
        var covers: [(name: String, image: ImageRGB8)] = []
        for (caption, image) in zip(captions, drawn) {
            covers.append((name: "drawn: \(caption)", image: try image.resized(width: size, height: size, filter: .bicubic)))
        }
        return covers
    }
}
