/// A grid of same-sized images with the words a reader needs to tell them apart: an optional title, a label left of
/// each row (the prompt), headers over columns and over groups of columns (the model: "before" over four columns,
/// "after: UCE erased Ilse Varga" over the next four, with a rule between the groups) and a one-line caption under
/// each image (what a classifier judged: "star 0.97"). White paper, dark text in the built-in `PixelFont`, so the
/// same grid gives the same pixels on every machine.
///
///     let grid = LabelledGrid(
///         title: "UCE: Ilse Varga",
///         columnGroups: [.init("before", count: 4), .init("after: UCE erased Ilse Varga", count: 4)],
///         rows: [.init("a red star", images: before + after, captions: judgements)])
///     try grid.render().writePNG(toFile: "grid.png")
///
/// Text that does not fit is shortened with "...": headers to their columns, captions to their image, labels (wrapped
/// over several lines first) to `labelWidth` and the row's height. Only the title widens the grid if it must.
public struct LabelledGrid: Sendable {
    /// One row of the grid: its label, its images (one per column), and a caption per image or none.
    public struct Row: Sendable {
        public var label: String
        public var images: [ImageRGB8]
        /// One short line under each image, in the order of `images`; empty for no captions.
        public var captions: [String]

        public init(_ label: String, images: [ImageRGB8], captions: [String] = []) {
            self.label = label
            self.images = images
            self.captions = captions
        }
    }

    /// Neighbouring columns shown as one block: a title spanning them all (empty for none) and a header over each
    /// column (empty strings for none).
    public struct ColumnGroup: Sendable, Equatable {
        public var title: String
        public var columns: [String]

        public init(_ title: String, columns: [String]) {
            self.title = title
            self.columns = columns
        }

        /// `count` columns without headers of their own.
        public init(_ title: String, count: Int) {
            self.init(title, columns: [String](repeating: "", count: count))
        }
    }

    /// The line at the top in double-size type; empty for none.
    public var title: String
    /// The column blocks from left to right; empty for one block, without headers, as wide as the rows.
    public var columnGroups: [ColumnGroup]
    public var rows: [Row]
    /// Width in pixels of the row labels' column (left out when every label is empty).
    public var labelWidth: Int

    /// 100 pixels: about 18 characters a line, a prompt in two or three lines beside a 64-pixel image.
    public static let defaultLabelWidth = 100

    public init(title: String = "", columnGroups: [ColumnGroup] = [], rows: [Row],
                labelWidth: Int = defaultLabelWidth) {
        self.title = title
        self.columnGroups = columnGroups
        self.rows = rows
        self.labelWidth = labelWidth
    }

    /// Text colours and the rules' grey: near-black for the title, the labels and the group titles, a softer grey
    /// for column headers and captions (read after the image they belong to), a light grey for the rules.
    static let ink = ImageRGB8.Color(gray: 20)
    static let softInk = ImageRGB8.Color(gray: 80)
    static let ruleColor = ImageRGB8.Color(gray: 190)

    /// The grid as one image, laid out as `layout()` says. Throws when the rows do not fit the columns, the images
    /// differ in size or the result would be too large.
    public func render() throws(ImageError) -> ImageRGB8 {
        let layout = try layout()
        let font = PixelFont(), titleFont = PixelFont(scale: 2)
        var canvas = ImageRGB8(width: layout.width, height: layout.height, color: .white)
        if let titleY = layout.titleY {
            canvas.draw(title, x: Self.padding, y: titleY, font: titleFont, color: Self.ink)
        }
        for (group, span) in zip(groups, layout.groupSpans) {
            if let groupTitleY = layout.groupTitleY, !group.title.isEmpty {
                canvas.drawCentred(font.truncated(group.title, toWidth: span.count), in: span, y: groupTitleY,
                                   font: font, color: Self.ink)
                canvas.fill(x: span.lowerBound, y: groupTitleY + font.height + Self.ruleGap, width: span.count,
                            height: 1, color: Self.ruleColor)
            }
        }
        for separator in layout.separatorX {
            canvas.fill(x: separator, y: layout.separatorSpan.lowerBound, width: 1, height: layout.separatorSpan.count,
                        color: Self.ruleColor)
        }
        let cellWidth = layout.imageWidth
        if let headerY = layout.columnHeaderY {
            for (header, left) in zip(groups.flatMap(\.columns), layout.columnX) {
                canvas.drawCentred(font.truncated(header, toWidth: cellWidth), in: left..<left + cellWidth, y: headerY,
                                   font: font, color: Self.softInk)
            }
        }
        for (row, top) in zip(rows, layout.rowY) {
            for (image, left) in zip(row.images, layout.columnX) { canvas.place(image, x: left, y: top) }
            for (caption, left) in zip(row.captions, layout.columnX) {
                canvas.drawCentred(font.truncated(caption, toWidth: cellWidth), in: left..<left + cellWidth,
                                   y: top + layout.imageHeight + Self.textGap, font: font, color: Self.softInk)
            }
            let lines = font.wrapped(row.label, toWidth: labelWidth, maxLines: layout.labelLineLimit)
            let blockHeight = (lines.count - 1) * font.lineHeight + font.height
            var lineY = top + max(0, (layout.imageHeight - blockHeight) / 2)
            for line in lines {
                canvas.draw(line, x: Self.padding, y: lineY, font: font, color: Self.ink)
                lineY += font.lineHeight
            }
        }
        return canvas
    }

    /// The column groups as laid out: the given ones, or one untitled group as wide as the first row.
    var groups: [ColumnGroup] {
        columnGroups.isEmpty ? [ColumnGroup("", count: rows.first?.images.count ?? 0)] : columnGroups
    }
}

extension ImageRGB8 {
    /// Draws `text` centred between the columns of `span` (to the left pixel when the space left over is odd).
    fileprivate mutating func drawCentred(_ text: String, in span: Range<Int>, y: Int, font: PixelFont, color: Color) {
        draw(text, x: span.lowerBound + (span.count - font.width(of: text)) / 2, y: y, font: font, color: color)
    }
}
