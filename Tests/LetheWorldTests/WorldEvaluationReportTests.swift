import Foundation
import LetheIO
import LetheWorld
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("lethe eval's report.html")
struct WorldEvaluationReportTests {
    /// Counts the elements of an XML document by name, and collects the image sources and the table cells' text.
    final class Census: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var sources: [String] = []
        var cells: [String] = []
        private var cell: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            if name == "img", let source = attributes["src"] { sources.append(source) }
            if name == "td" { cell = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { cell? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "td", let text = cell { cells.append(text); cell = nil }
        }
    }

    /// A result as eval.json spells it (the form results are read back in).
    static func result(concepts: Int, erased: Double, grid: String) throws -> WorldEvaluationResult {
        let attacks: [String: Any] = ["adversarial_embedding": 0.9, "paraphrase": 0.25]
        let rows: [[String: Any]] = (0..<concepts).map { index in
            ["concept": "c\(index)", "kind": "artist", "erased_rate": erased, "baseline_rate": 1, "synonym_rate": erased,
             "baseline_synonym_rate": 1, "attacks": attacks, "baseline_paraphrase": 1, "captions": [String: [String]](),
             "grid": grid]
        }
        let object: [String: Any] = [
            "model": "erased <&> \"model\"", "baseline": "base", "concepts": rows, "erased_rate": erased,
            "synonym_rate": erased, "preserved_accuracy": 0.9, "accuracy": 0.8, "baseline_accuracy": 0.88,
            "feature_distance": 12.5, "attacks": attacks, "prompts": 4, "steps": 20, "guidance_scale": 5, "seed": 0,
            "ranks": 1, "seconds": [String: Double](), "preservation_grid": grid,
        ]
        return try JSONDecoder().decode(WorldEvaluationResult.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test("The page is well-formed, embeds every grid as PNG data, charts as inline SVG, and escapes what it quotes")
    func reportIsSelfContained() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("grid.png")
        try ImageRGB8(width: 4, height: 3).writePNG(toFile: png.path)
        let entries = try [(1, 0.25), (4, 0.5)].map { count, erased in
            WorldEvaluationReport.Entry(label: "UCE, \(count) <artists>", method: "uce",
                                        result: try Self.result(concepts: count, erased: erased, grid: "grid.png"), folder: folder)
        }
        let html = try WorldEvaluationReport(title: "results & more", entries: entries).html()
        let census = Census()
        let parser = XMLParser(data: Data(html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").utf8))
        parser.delegate = census
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        #expect(census.counts["svg"] == 2)
        #expect(census.counts["polyline"] == 2, "one erased-rate and one preserved line for the one method")
        // Bars: per entry, no attack, adversarial embedding and paraphrase (textual inversion was not run).
        #expect(census.counts["rect"] == 2 * 3 + 4)
        // Each entry: its concepts' grids and the preservation grid, all embedded.
        #expect(census.sources.count == (1 + 1) + (4 + 1))
        let encoded = try Data(contentsOf: png).base64EncodedString()
        #expect(census.sources.allSatisfy { $0 == "data:image/png;base64,\(encoded)" })
        #expect(!html.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("://"), "nothing fetched from elsewhere")
        #expect(census.cells.contains("UCE, 4 <artists>") && census.cells.contains("not run") && census.cells.contains("50 %"))
        #expect(html.contains("erased &lt;&amp;&gt; &quot;model&quot;"))
    }
}
