import LetheIO
import Testing

@Suite("Labelled image grids")
struct LabelledGridTests {
    /// A `width` x `height` image unlike any other seed's: a gradient with the seed in its blue channel.
    static func image(seed: Int, width: Int = 64, height: Int = 64) -> ImageRGB8 {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1))]
                pixels.append(UInt8(seed * 37 % 256))
            }
        }
        return ImageRGB8(width: width, height: height, pixels: pixels)
    }

    /// 3 prompts x (before, after) x 3 seeds, every text section present.
    static func comparison(imageSize: Int = 64) -> LabelledGrid {
        let prompts = [
            "a red star", "Ilse Varga style painting of a blue circle on a hill", "a photo of a green square",
        ]
        return LabelledGrid(
            title: "UCE: erase Ilse Varga",
            columnGroups: [
                .init("before", columns: ["seed 1", "seed 2", "seed 3"]),
                .init("after: UCE erased Ilse Varga", columns: ["seed 1", "seed 2", "seed 3"]),
            ],
            rows: prompts.enumerated().map { row, prompt in
                LabelledGrid.Row(
                    prompt, images: (0..<6).map { image(seed: 6 * row + $0, width: imageSize, height: imageSize) },
                    captions: (0..<6).map { ["star 0.97", "circle 0.12", "square 0.55"][($0 + row) % 3] })
            })
    }

    @Test func theGridHasTheSizeItsSectionsAddUpTo() throws {
        let grid = Self.comparison()
        let font = PixelFont(), titleFont = PixelFont(scale: 2)
        let padding = LabelledGrid.padding, gap = LabelledGrid.textGap
        let imagesLeft = padding + LabelledGrid.defaultLabelWidth + LabelledGrid.labelGap
        let groupWidth = 3 * 64 + 2 * LabelledGrid.imageGap
        let width = imagesLeft + 2 * groupWidth + LabelledGrid.groupGap + padding
        let titleHeight = titleFont.height + padding
        let headersHeight = titleHeight + (font.height + LabelledGrid.ruleGap + 1 + gap) + (font.height + gap)
        let rowHeight = 64 + gap + font.height
        let height = padding + headersHeight + 3 * rowHeight + 2 * LabelledGrid.rowGap + padding

        let layout = try grid.layout()
        #expect(layout.width == width && layout.height == height)
        #expect(layout.imageWidth == 64 && layout.imageHeight == 64)
        let secondGroup = imagesLeft + groupWidth + LabelledGrid.groupGap
        #expect(layout.columnX == [0, 1, 2].map { imagesLeft + $0 * (64 + LabelledGrid.imageGap) }
            + [0, 1, 2].map { secondGroup + $0 * (64 + LabelledGrid.imageGap) })
        #expect(layout.rowY == [0, 1, 2].map { padding + headersHeight + $0 * (rowHeight + LabelledGrid.rowGap) })
        let image = try grid.render()
        #expect(image.width == width && image.height == height)
    }

    @Test func everyImageIsCopiedExactlyWhereTheLayoutPutsIt() throws {
        let grid = Self.comparison()
        let layout = try grid.layout(), image = try grid.render()
        for (row, top) in zip(grid.rows, layout.rowY) {
            for (cell, left) in zip(row.images, layout.columnX) {
                #expect(try image.cropped(x: left, y: top, width: 64, height: 64) == cell, "image at (\(left), \(top))")
                // Each image has white paper left and right of it (a gap, not another image's pixels).
                #expect(image.pixel(x: left - 1, y: top + 32) == (255, 255, 255))
                #expect(image.pixel(x: left + 64, y: top + 32) == (255, 255, 255))
            }
        }
    }

    @Test func textGoesInItsPlaces() throws {
        let grid = Self.comparison()
        let layout = try grid.layout(), image = try grid.render()
        let font = PixelFont()
        func hasInk(x: Int, y: Int, width: Int, height: Int) throws -> Bool {
            try image.cropped(x: x, y: y, width: width, height: height).pixels.contains { $0 != 255 }
        }
        let padding = LabelledGrid.padding
        // The title, each row's label, each image's caption and column header.
        #expect(try hasInk(x: padding, y: padding, width: layout.width - 2 * padding, height: 2 * font.height))
        for top in layout.rowY {
            #expect(try hasInk(x: padding, y: top, width: LabelledGrid.defaultLabelWidth, height: 64))
            for left in layout.columnX {
                #expect(try hasInk(x: left, y: top + 64 + LabelledGrid.textGap, width: 64, height: font.height))
                let headerY = layout.rowY[0] - LabelledGrid.textGap - font.height
                #expect(try hasInk(x: left, y: headerY, width: 64, height: font.height))
            }
        }
        // The rule between the groups: a grey column in the middle of the gap, along every row.
        let ruleX = layout.columnX[3] - LabelledGrid.groupGap + LabelledGrid.groupGap / 2
        for y in layout.rowY.first!..<layout.rowY.last! + 64 {
            let pixel = image.pixel(x: ruleX, y: y)
            #expect(pixel.red == pixel.green && pixel.red < 255 && pixel.red > 100, "rule pixel at y \(y): \(pixel)")
        }
        // Nothing but paper in the outer padding.
        for y in 0..<image.height {
            let inPadding = y < padding || y >= image.height - padding
            for x in 0..<image.width where inPadding || x < padding || x >= image.width - padding {
                if image.pixel(x: x, y: y) != (255, 255, 255) {
                    Issue.record("ink in the padding at (\(x), \(y))")
                    return
                }
            }
        }
    }

    @Test func longTextIsShortenedToItsCell() throws {
        let long = String(repeating: "very long caption ", count: 5)
        let grid = LabelledGrid(
            columnGroups: [.init(long, columns: [long, long]), .init(long, count: 1)],
            rows: [
                .init(long + long + long, images: (0..<3).map { Self.image(seed: $0) }, captions: [long, long, long])
            ])
        let layout = try grid.layout(), image = try grid.render()
        // Text stays off the gaps between images: inside a group below its title (which spans the group), between
        // groups everywhere but the rule.
        let headerTop = layout.rowY[0] - LabelledGrid.textGap - PixelFont().height
        let ruleX = layout.columnX[2] - LabelledGrid.groupGap + LabelledGrid.groupGap / 2
        let gaps = [
            (layout.columnX[0] + 64..<layout.columnX[1], headerTop), (layout.columnX[1] + 64..<layout.columnX[2], 0),
        ]
        for (columns, top) in gaps {
            for x in columns where x != ruleX {
                for y in top..<image.height where image.pixel(x: x, y: y) != (255, 255, 255) {
                    Issue.record("text in the gap at (\(x), \(y))")
                }
            }
        }
        // The label stays in its column and its row.
        let labelBand = try image.cropped(x: LabelledGrid.defaultLabelWidth + LabelledGrid.padding, y: 0,
                                          width: LabelledGrid.labelGap, height: image.height)
        #expect(labelBand.pixels.allSatisfy { $0 == 255 })
        #expect(layout.width == layout.columnX[2] + 64 + LabelledGrid.padding)
    }

    @Test func aLongTitleWidensTheGrid() throws {
        let title = "A title wider than one small image"
        let grid = LabelledGrid(title: title, rows: [.init("", images: [Self.image(seed: 1)])])
        let layout = try grid.layout()
        #expect(layout.width == 2 * LabelledGrid.padding + PixelFont(scale: 2).width(of: title))
        #expect(layout.columnX == [LabelledGrid.padding])
    }

    @Test func withoutTextItIsAPaddedGridOfImages() throws {
        let images = (0..<4).map { Self.image(seed: $0, width: 5, height: 3) }
        let grid = LabelledGrid(rows: [
            .init("", images: Array(images[0..<2])), .init("", images: Array(images[2..<4])),
        ])
        let image = try grid.render()
        let padding = LabelledGrid.padding
        #expect(image.width == 2 * padding + 2 * 5 + LabelledGrid.imageGap)
        #expect(image.height == 2 * padding + 2 * 3 + LabelledGrid.rowGap)
        #expect(try image.cropped(x: padding, y: padding, width: 5, height: 3) == images[0])
        #expect(try image.cropped(x: padding + 5 + LabelledGrid.imageGap, y: padding + 3 + LabelledGrid.rowGap,
                                  width: 5, height: 3) == images[3])
    }

    @Test func renderingIsDeterministic() throws {
        let first = try Self.comparison().render(), second = try Self.comparison().render()
        #expect(first == second)
        #expect(try first.pngData() == second.pngData())
    }

    @Test func rejectsRowsThatDoNotFitTheColumns() {
        let image = Self.image(seed: 0, width: 4, height: 4)
        let two = [LabelledGrid.ColumnGroup("a", count: 1), LabelledGrid.ColumnGroup("b", count: 1)]
        let cases: [LabelledGrid] = [
            LabelledGrid(rows: []),
            LabelledGrid(columnGroups: two, rows: [.init("x", images: [image])]),
            LabelledGrid(rows: [.init("x", images: [image, image]), .init("y", images: [image])]),
            LabelledGrid(rows: [.init("x", images: [image], captions: ["a", "b"])]),
            LabelledGrid(rows: [.init("x", images: [image, Self.image(seed: 0, width: 4, height: 5)])]),
            LabelledGrid(columnGroups: [.init("a", count: 0)], rows: [.init("x", images: [])]),
            LabelledGrid(rows: [.init("x", images: [ImageRGB8(width: 0, height: 0)])]),
            LabelledGrid(rows: [.init("x", images: [image])], labelWidth: -1),
        ]
        for grid in cases {
            #expect(throws: ImageError.self) { try grid.render() }
        }
    }
}
