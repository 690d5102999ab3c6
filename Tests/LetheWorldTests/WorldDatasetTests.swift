import Foundation
import LetheIO
import LetheWorld
import Testing

@Suite("The world's captioned images")
struct WorldDatasetTests {
    @Test("The same seed gives the same bytes (PNGs and captions); another seed differs")
    func deterministic() throws {
        for size in WorldRenderer.sizes {
            let renderer = WorldRenderer(size: size)
            func bytes(_ seed: UInt64) throws -> [([UInt8], String)] {
                let dataset = WorldDataset(seed: seed, split: .train)
                return try (0..<8).map { index in
                    let sample = dataset.sample(at: index)
                    return (try renderer.draw(sample).image.pngData(), sample.metadataLine)
                }
            }
            let first = try bytes(7), again = try bytes(7), other = try bytes(8)
            #expect(first.map(\.0) == again.map(\.0))
            #expect(first.map(\.1) == again.map(\.1))
            #expect(zip(first, other).allSatisfy { $0.0 != $1.0 && $0.1 != $1.1 })
        }
        // A sample made alone equals the same sample made after others.
        let dataset = WorldDataset(seed: 3, split: .all)
        #expect(dataset.sample(at: 41) == WorldDataset(seed: 3, split: .all).sample(at: 41))
    }

    @Test("Every shape, colour, artist, phrasing and synonym appears; one and two objects")
    func coverage() {
        let samples = (0..<600).map { WorldDataset(seed: 1, split: .train).sample(at: $0) }
        let objects = samples.flatMap(\.objects)
        #expect(Set(objects.map(\.shape)) == Set(WorldShape.allCases))
        #expect(Set(objects.map(\.color)) == Set(WorldColor.allCases))
        #expect(Set(samples.map(\.artist)) == Set(WorldArtist.allCases))
        #expect(Set(samples.map(\.phrasing)) == Set(CaptionPhrasing.allCases))
        #expect(Set(samples.map(\.objects.count)) == [1, 2])
        for shape in WorldShape.allCases {
            #expect(samples.contains { $0.caption.contains(shape.synonym) }, "no caption says \(shape.synonym)")
        }
        #expect(WorldShape.allCases.count >= 8 && WorldColor.allCases.count >= 8 && WorldArtist.allCases.count >= 8)
        #expect(samples.contains { $0.caption == "an orange box" || $0.caption.hasPrefix("a drawing of ") })
        // Each caption names every object's colour and noun, and the artist unless plain.
        for sample in samples {
            for object in sample.objects {
                #expect(sample.caption.contains(object.color.name) && sample.caption.contains(object.noun))
            }
            #expect(sample.caption.contains(sample.artist.name) == (sample.phrasing != .plain), "\(sample.caption)")
        }
    }

    @Test("Held-out triples never occur in the train split; the heldout split draws only them")
    func heldOut() {
        #expect(HeldOutTriples.all.count == 53)
        for index in 0..<3000 {
            let sample = WorldDataset(seed: 5, split: .train).sample(at: index)
            #expect(sample.split == .train)
            for object in sample.objects {
                #expect(!HeldOutTriples.contains(shape: object.shape, color: object.color, artist: sample.artist))
            }
        }
        let held = (0..<300).map { WorldDataset(seed: 5, split: .heldout).sample(at: $0) }
        #expect(held.allSatisfy { $0.split == .heldout && HeldOutTriples.contains(shape: $0.shape, color: $0.color, artist: $0.artist) })
        #expect(held.allSatisfy { $0.fileName.hasPrefix("heldout/") })
        // Held out: every shape, colour and artist still appears in both splits.
        #expect(Set(HeldOutTriples.all.map(\.shape)).count == WorldShape.allCases.count)
        #expect(Set(HeldOutTriples.all.map(\.artist)).count == WorldArtist.allCases.count)
        let mixed = (0..<1000).map { WorldDataset(seed: 5, split: .all).sample(at: $0) }
        for sample in mixed {
            let isHeld = sample.objects.contains { HeldOutTriples.contains(shape: $0.shape, color: $0.color, artist: sample.artist) }
            #expect(sample.split == (isHeld ? .heldout : .train))
        }
        #expect(mixed.contains { $0.split == .heldout } && mixed.contains { $0.split == .train })
    }

    @Test("Each object is drawn in its named colour, under every artist, at 64 and 32 px")
    func colours() {
        for size in WorldRenderer.sizes {
            let renderer = WorldRenderer(size: size)
            var artists = Set<WorldArtist>()
            var worst = 0.0
            for index in 0..<160 {
                let sample = WorldDataset(seed: 11, split: .all).sample(at: index)
                let (image, fills) = renderer.draw(sample)
                #expect(image.width == size && image.height == size)
                for (object, fill) in zip(sample.objects, fills) {
                    var sum = SIMD3<Double>(repeating: 0)
                    var count = 0
                    for (pixel, covered) in fill.enumerated() where covered > 0.999 {
                        let (r, g, b) = image.pixel(x: pixel % size, y: pixel / size)
                        sum += SIMD3(Double(r), Double(g), Double(b))
                        count += 1
                    }
                    #expect(count >= 4, "sample \(index): \(object.shape.name) has \(count) filled pixels at \(size) px")
                    guard count > 0 else { continue }
                    let mean = sum / Double(count)
                    let (r, g, b) = object.color.rgb
                    let named = SIMD3(Double(r), Double(g), Double(b))
                    let distance = ((mean - named) * (mean - named)).sum().squareRoot()
                    worst = max(worst, distance)
                    #expect(WorldColor.nearest(to: mean) == object.color, "sample \(index) (\(sample.artist.name)): \(object.color.name) drawn as \(mean)")
                    #expect(distance < 40, "sample \(index) (\(sample.artist.name)): \(object.color.name) is \(distance) away")
                }
                artists.insert(sample.artist)
            }
            #expect(artists.count == WorldArtist.allCases.count)
            print("world colours at \(size) px: the worst object's mean is \(worst) from its named RGB")
        }
    }

    @Test("Different shapes have clearly different masks, at 64 and 32 px")
    func shapesDiffer() {
        for size in WorldRenderer.sizes {
            let renderer = WorldRenderer(size: size)
            let masks = WorldShape.allCases.map { renderer.coverage(of: $0) }
            var closest = (1.0, "")
            for a in WorldShape.allCases {
                for b in WorldShape.allCases where b.rawValue > a.rawValue {
                    let ma = masks[a.rawValue], mb = masks[b.rawValue]
                    let differing = zip(ma, mb).map { abs($0 - $1) }.reduce(0, +)
                    let union = zip(ma, mb).map { max($0, $1) }.reduce(0, +)
                    let fraction = differing / union
                    if fraction < closest.0 { closest = (fraction, "\(a.name)/\(b.name)") }
                    #expect(fraction > 0.1, "\(a.name) and \(b.name) differ in \(fraction) of their union at \(size) px")
                }
            }
            print("world shapes at \(size) px: the closest pair \(closest.1) differs in \(closest.0) of its union")
        }
    }

    @Test("The writer makes an imagefolder dataset: N PNGs and N metadata lines")
    func writer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("world-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = WorldDatasetWriter(dataset: WorldDataset(seed: 2, split: .all), renderer: WorldRenderer(size: 32), count: 30)
        let counts = try writer.write(into: folder)
        #expect(counts.values.reduce(0, +) == 30)
        let lines = try String(contentsOf: folder.appendingPathComponent("metadata.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 30)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let name = try #require(object["file_name"] as? String)
            #expect(object["text"] is String && object["shape"] is String && object["objects"] is [Any])
            let image = try ImageRGB8(contentsOfFile: folder.appendingPathComponent(name).path)
            #expect(image.width == 32 && image.height == 32)
        }
    }
}
