import Foundation

/// `report.html`: one or more evaluations in a page a browser opens from disk, with nothing fetched: the numbers,
/// the grids (base model beside the erased one, embedded as PNG data), and inline SVG charts of the erased rate and
/// preserved accuracy against the number of erased concepts and of each attack's success per erased model.
///
/// The page is well-formed XML (XHTML syntax served as HTML), so a test can parse it and find every part.
public struct WorldEvaluationReport: Sendable {
    /// One evaluated model: a label ("UCE, 4 artists"), its method (series of the charts), its result and the
    /// folder its grids are in.
    public struct Entry: Sendable {
        public var label: String
        public var method: String
        public var result: WorldEvaluationResult
        public var folder: URL

        public init(label: String, method: String, result: WorldEvaluationResult, folder: URL) {
            self.label = label
            self.method = method
            self.result = result
            self.folder = folder
        }

        /// Labelled by the method the erased model's erasure-report.json names and the concepts: "UCE: Ilse Varga",
        /// "RECE: 10 artists" (or "N concepts" when they are of several kinds).
        public init(result: WorldEvaluationResult, folder: URL) {
            let method = WorldEvaluation.method(of: URL(fileURLWithPath: result.model))
            let names = result.concepts.map(\.concept)
            let kinds = Set(names.map { WorldConcept(named: $0)?.kind ?? "concept" })
            let plural = kinds.count == 1 ? kinds.first! + "s" : "concepts"
            let concepts = names.count <= 2 ? names.joined(separator: ", ") : "\(names.count) \(plural)"
            self.init(label: "\(method): \(concepts)", method: method, result: result, folder: folder)
        }
    }

    public var title: String
    public var entries: [Entry]

    public init(title: String, entries: [Entry]) {
        self.title = title
        self.entries = entries
    }

    /// The page, with every grid read from its entry's folder and embedded.
    public func html() throws -> String {
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p>Each erased model is judged against its base model on seeded captions, one image each; a rate is the "
            + "share of images the world's judge says show the concept their caption names (lower is a better erasure). "
            + "Preserved accuracy is the erased model's judged accuracy on captions naming none of the erased concepts, "
            + "over the base model's.</p>\n"
        body += table()
        body += "<h2>Erased rate and preserved accuracy against the number of erased concepts (mean per size)</h2>\n"
        // One point per method and number of concepts: the mean of its models of that size (a shape, a colour and
        // an artist erased alone are all one concept).
        body += Self.lineChart(series: Dictionary(grouping: entries, by: \.method).mapValues(Self.meanPerSize))
        body += "<h2>Attack success per erased model</h2>\n"
        body += Self.barChart(groups: entries.map { entry in
            (entry.label, [("no attack", entry.result.erasedRate),
                           ("adversarial embedding", entry.result.attacks.adversarialEmbedding),
                           ("textual inversion", entry.result.attacks.textualInversion),
                           ("paraphrase", entry.result.attacks.paraphrase)])
        })
        for entry in entries {
            body += "<h2>\(escape(entry.label))</h2>\n"
            let result = entry.result
            body += "<p>\(result.prompts) captions a set, \(result.steps)-step DDIM, guidance \(result.guidanceScale), seed "
                + "\(result.seed), \(result.ranks) rank\(result.ranks == 1 ? "" : "s"); erased model "
                + "<code>\(escape(result.model))</code>, base model <code>\(escape(result.baseline))</code>.</p>\n"
            for grid in result.concepts.map(\.grid) + [result.preservationGrid] {
                let data = try Data(contentsOf: entry.folder.appendingPathComponent(grid))
                body += "<figure><img alt=\"\(escape(grid))\" src=\"data:image/png;base64,\(data.base64EncodedString())\"/>"
                    + "<figcaption>\(escape(grid))</figcaption></figure>\n"
            }
        }
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(escape(title))</title>
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            figure { margin: 1em 0; overflow-x: auto; }
            img { image-rendering: pixelated; }
            svg text { font-family: sans-serif; font-size: 12px; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    /// Per number of concepts, the mean erased rate and preserved accuracy of the entries of that size.
    static func meanPerSize(_ group: [Entry]) -> [(x: Double, erased: Double, preserved: Double)] {
        let sizes = Dictionary(grouping: group) { $0.result.concepts.count }
        var points: [(x: Double, erased: Double, preserved: Double)] = []
        for (count, same) in sizes {
            let erased = same.map(\.result.erasedRate).reduce(0, +) / Double(same.count)
            let preserved = same.map(\.result.preservedAccuracy).reduce(0, +) / Double(same.count)
            points.append((Double(count), erased, preserved))
        }
        return points.sorted { $0.x < $1.x }
    }

    /// The table as Markdown: results.md, and the README's results table.
    public func markdownTable() -> String {
        let percent = WorldEvaluation.percent
        var text = "| erased model | concepts | erased rate | synonym rate | adversarial embedding | textual inversion | "
            + "paraphrase | preserved accuracy | Fréchet distance |\n|---|---|---|---|---|---|---|---|---|\n"
        for entry in entries {
            let result = entry.result
            text += "| \(entry.label) | \(result.concepts.count) | \(percent(result.erasedRate)) | \(percent(result.synonymRate)) | "
                + "\(percent(result.attacks.adversarialEmbedding)) | \(percent(result.attacks.textualInversion)) | "
                + "\(percent(result.attacks.paraphrase)) | " + String(format: "%.2f | %.0f |\n", result.preservedAccuracy, result.featureDistance)
        }
        return text
    }

    func table() -> String {
        let percent = WorldEvaluation.percent
        var rows = "<table>\n<tr><th>erased model</th><th>concepts</th><th>erased rate</th><th>synonym rate</th>"
            + "<th>adversarial embedding</th><th>textual inversion</th><th>paraphrase</th><th>preserved accuracy</th>"
            + "<th>Fréchet distance</th></tr>\n"
        for entry in entries {
            let result = entry.result
            rows += "<tr><td>\(escape(entry.label))</td><td>\(result.concepts.count)</td><td>\(percent(result.erasedRate))</td>"
                + "<td>\(percent(result.synonymRate))</td><td>\(percent(result.attacks.adversarialEmbedding))</td>"
                + "<td>\(percent(result.attacks.textualInversion))</td><td>\(percent(result.attacks.paraphrase))</td>"
                + String(format: "<td>%.3f</td><td>%.1f</td></tr>\n", result.preservedAccuracy, result.featureDistance)
        }
        return rows + "</table>\n"
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// Per method, erased rate (solid) and preserved accuracy (dashed) against the number of concepts.
    static func lineChart(series: [String: [(x: Double, erased: Double, preserved: Double)]]) -> String {
        let (width, height, left, bottom, top, right) = (640.0, 320.0, 50.0, 40.0, 20.0, 200.0)
        let xs = series.values.flatMap { $0.map(\.x) }
        // From 0, with room after the last point so that a single model's point is not on the edge.
        let xMax = max(xs.max() ?? 1, 1) * 1.15
        func px(_ x: Double) -> Double { left + x / xMax * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - min(max(y, 0), 1.2) / 1.2 * (height - bottom - top) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n"
        svg += axes(width: width, height: height, left: left, bottom: bottom, top: top, right: right, yLabel: "rate", py: py)
        for x in Set(xs).sorted() {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", px(x), height - bottom + 16,
                          x == x.rounded() ? String(Int(x)) : String(x))
        }
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">erased concepts</text>\n",
                      (left + width - right) / 2, height - 6)
        for (index, (method, points)) in series.sorted(by: { $0.key < $1.key }).enumerated() {
            let color = palette[index % palette.count]
            for (key, dash) in [(\(x: Double, erased: Double, preserved: Double).erased, ""), (\.preserved, " stroke-dasharray=\"5,4\"")] {
                let path = points.map { String(format: "%.1f,%.1f", px($0.x), py($0[keyPath: key])) }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
                for point in points {
                    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%@\"/>\n", px(point.x), py(point[keyPath: key]), color)
                }
            }
            let y = top + 10 + Double(index) * 34
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"/>", width - right + 16, y, width - right + 40, y, color)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@ erased rate</text>\n", width - right + 46, y + 4, escape(method))
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\" stroke-dasharray=\"5,4\"/>", width - right + 16, y + 15, width - right + 40, y + 15, color)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@ preserved</text>\n", width - right + 46, y + 19, escape(method))
        }
        return svg + "</svg>\n"
    }

    /// Grouped bars: per erased model, the concept's rate with no attack and under each attack (a missing bar: not run).
    static func barChart(groups: [(label: String, bars: [(name: String, value: Double?)])]) -> String {
        let names = groups.first?.bars.map(\.name) ?? []
        // A wide left margin: the first group's label, turned, reaches left of its bars.
        let (left, bottom, top, right, barWidth, gap) = (90.0, 80.0, 20.0, 190.0, 16.0, 24.0)
        let groupWidth = Double(names.count) * barWidth + gap
        let width = left + right + max(Double(groups.count) * groupWidth, 200), height = 320.0
        func py(_ y: Double) -> Double { height - bottom - min(max(y, 0), 1.2) / 1.2 * (height - bottom - top) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n"
        svg += axes(width: width, height: height, left: left, bottom: bottom, top: top, right: right, yLabel: "rate", py: py)
        for (groupIndex, group) in groups.enumerated() {
            let x0 = left + gap / 2 + Double(groupIndex) * groupWidth
            for (barIndex, bar) in group.bars.enumerated() {
                guard let value = bar.value else { continue }
                let x = x0 + Double(barIndex) * barWidth
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@: %@ %.0f %%</title></rect>\n",
                              x, py(value), barWidth - 2, py(0) - py(value), palette[barIndex % palette.count],
                              escape(group.label), escape(bar.name), 100 * value)
                // The value above its bar, so that a 0 % bar is seen to be there.
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\">%.0f</text>\n",
                              x + (barWidth - 2) / 2, py(value) - 3, 100 * value)
            }
            let center = x0 + Double(group.bars.count) * barWidth / 2
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-30 %.1f %.1f)\">%@</text>\n",
                          center, height - bottom + 16, center, height - bottom + 16, escape(group.label))
        }
        for (index, name) in names.enumerated() {
            let y = top + 10 + Double(index) * 18
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%@\"/>", width - right + 16, y - 9, palette[index % palette.count])
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>\n", width - right + 34, y + 1, escape(name))
        }
        return svg + "</svg>\n"
    }

    /// The y axis from 0 to 100 % with grid lines, and the x axis.
    static func axes(width: Double, height: Double, left: Double, bottom: Double, top: Double, right: Double, yLabel: String,
                     py: (Double) -> Double) -> String {
        var svg = ""
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, py(tick), width - right, py(tick))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f %%</text>\n", left - 6, py(tick) + 4, 100 * tick)
        }
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", left, py(0), width - right, py(0))
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", left, top, left, py(0))
        svg += String(format: "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">%@</text>\n",
                      (top + py(0)) / 2, (top + py(0)) / 2, yLabel)
        return svg
    }
}

/// Text and attribute values made safe for XHTML.
private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
