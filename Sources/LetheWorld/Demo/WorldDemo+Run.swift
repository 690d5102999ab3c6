import Foundation
import LetheDiffusion
import LetheDistributed
import LetheIO
import LetheModels

/// What `lethe demo` measured for one erasure: how often the judge sees the erased concept on prompts naming it,
/// and how often it sees the prompted concept on prompts naming the others, before and after.
public struct WorldDemoRow: Sendable, Codable, Equatable {
    public var method: String
    public var concept: String
    public var kind: String
    public var prompts: Int
    /// Share of images of prompts naming the concept that show it.
    public var erasedBefore: Double
    public var erasedAfter: Double
    /// Share of images of prompts naming another concept of its kind that show that concept.
    public var othersBefore: Double
    public var othersAfter: Double
    /// The erasure's own time (not the drawing and judging around it).
    public var eraseSeconds: Double
    public var grid: String
    public var captions: [String]
    public var otherCaptions: [String]
}

extension WorldDemo {
    /// Runs every erasure on `model` (the erased models go to `output/models/<slug>`), draws and judges the prompt
    /// sets with the base and each erased model, and writes a labelled grid per erasure (`output/<slug>.png`),
    /// `demo.json` and `demo.md`. `progress(stage, done, total)` after each image drawn. `stamp` marks the grids
    /// where they are large enough.
    public func run(model: URL, judge: WorldJudge, output: URL, overwrite: Bool, communicator: Communicator,
                    stamp: WatermarkStamp? = nil, log: @escaping (String) -> Void,
                    progress: @escaping (String, Int, Int) -> Void = { _, _, _ in }) throws -> [WorldDemoRow] {
        try FileManager.default.createDirectory(at: output.appendingPathComponent("models"), withIntermediateDirectories: true)
        let base = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: model))
        var rows: [WorldDemoRow] = []
        for erasure in erasures {
            let concept = erasure.concept
            let naming = promptSet(for: concept, naming: true), others = promptSet(for: concept, naming: false)
            let prompts = naming + others
            let total = 2 * prompts.count
            var done = 0
            func tick() { done += 1; progress(erasure.slug, done, total) }
            let single = Communicator.singleProcess()
            func draw(_ pipeline: StableDiffusionPipeline) throws -> (images: [ImageRGB8], verdicts: [WorldJudgePrediction]) {
                let images = try drawing.images(prompts.map(\.caption), pipeline: pipeline, communicator: single, progress: tick)
                return (images, try judge.predict(images))
            }
            let before = try draw(base)

            let erasedFolder = output.appendingPathComponent("models").appendingPathComponent(erasure.slug)
            let started = Date()
            _ = try erase(erasure, model: model, output: erasedFolder, overwrite: overwrite, communicator: communicator, log: log)
            let eraseSeconds = Date().timeIntervalSince(started)
            let erased = try StableDiffusionPipeline(folder: try DiffusersModelFolder(url: erasedFolder))
            let after = try draw(erased)

            func rate(_ verdicts: [WorldJudgePrediction], _ range: Range<Int>) -> Double {
                Double(range.filter { prompts[$0].names.isShown(in: verdicts[$0]) }.count) / Double(max(range.count, 1))
            }
            let namingRange = 0..<naming.count, othersRange = naming.count..<prompts.count
            let kind = concept.kind
            let gridName = "\(erasure.slug).png"
            let grid = LabelledGrid(
                title: "\(erasure.method.title) erases the \(kind) '\(concept.name)' (judged \(kind) under each image)",
                columnGroups: [.init("prompts naming \(concept.name)", count: naming.count),
                               .init("prompts naming other \(kind)s", count: others.count)],
                rows: [.init("before: the base model", images: before.images, captions: before.verdicts.map(concept.judged)),
                       .init("after: \(erasure.method.title) erased \(concept.name)", images: after.images,
                             captions: after.verdicts.map(concept.judged))])
            let picture = try grid.render()
            try (stamp?.apply(to: picture) ?? picture).writePNG(toFile: output.appendingPathComponent(gridName).path)
            let row = WorldDemoRow(
                method: erasure.method.title, concept: concept.name, kind: kind, prompts: naming.count,
                erasedBefore: rate(before.verdicts, namingRange), erasedAfter: rate(after.verdicts, namingRange),
                othersBefore: rate(before.verdicts, othersRange), othersAfter: rate(after.verdicts, othersRange),
                eraseSeconds: eraseSeconds, grid: gridName, captions: naming.map(\.caption), otherCaptions: others.map(\.caption))
            rows.append(row)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(rows).write(to: output.appendingPathComponent("demo.json"), options: .atomic)
        try Data(markdown(rows).utf8).write(to: output.appendingPathComponent("demo.md"), options: .atomic)
        return rows
    }

    public static let tableHeader = """
        | method | erased concept | still drawn: before → after | others of its kind drawn: before → after | erase time |
        |---|---|---|---|---|
        """

    public static func tableLine(_ row: WorldDemoRow) -> String {
        String(format: "| %@ | %@ '%@' | %.0f %% → %.0f %% | %.0f %% → %.0f %% | %.1f s |", row.method, row.kind, row.concept,
               100 * row.erasedBefore, 100 * row.erasedAfter, 100 * row.othersBefore, 100 * row.othersAfter, row.eraseSeconds)
    }

    /// demo.md: the table, how to read it, each grid and its prompts.
    public func markdown(_ rows: [WorldDemoRow]) -> String {
        var text = """
            # Lethe demo: concepts erased from the world's model

            Each row: the judge's share of images that show the erased concept, on \(prompts) prompts naming it, and the \
            share that show the prompted concept on \(prompts) prompts naming others of its kind, with the base model \
            (before) and the erased one (after), every image from the same seed. \(steps)-step DDIM, guidance \
            \(guidanceScale), seed \(seed).

            \(Self.tableHeader)

            """
        text += rows.map(Self.tableLine).joined(separator: "\n") + "\n"
        for row in rows {
            text += "\n## \(row.method): \(row.kind) '\(row.concept)'\n\n![\(row.method) erases \(row.concept)](\(row.grid))\n\n"
            text += "Prompts naming it: " + row.captions.map { "\"\($0)\"" }.joined(separator: ", ") + ".\n\n"
            text += "Prompts naming others: " + row.otherCaptions.map { "\"\($0)\"" }.joined(separator: ", ") + ".\n"
        }
        return text
    }
}
