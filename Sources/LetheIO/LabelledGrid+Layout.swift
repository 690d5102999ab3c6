extension LabelledGrid {
    /// Blank pixels around the whole grid, and under the title.
    public static let padding = 6
    /// Between the columns of one group: enough to see each image's edge, little enough that a group reads as one.
    public static let imageGap = 4
    /// Between two groups, with a 1-pixel rule at its middle column: wider than `imageGap` so the groups read as
    /// blocks (before / after) even without titles.
    public static let groupGap = 13
    /// Between the labels' column and the first images.
    public static let labelGap = 8
    /// Between one row's captions (or images) and the next row's images.
    public static let rowGap = 6
    /// Between a piece of text and the image it belongs to: a column header above, a caption below.
    public static let textGap = 3
    /// Between a group's title and the rule under it, which spans the group's columns.
    public static let ruleGap = 2

    /// Where `render()` puts everything, in pixels. Labels start at `padding` on the left; text is in `PixelFont`
    /// (the title at scale 2).
    public struct Layout: Sendable, Equatable {
        /// Size of the whole grid.
        public let width: Int
        public let height: Int
        /// Size of every image.
        public let imageWidth: Int
        public let imageHeight: Int
        /// Left edge of each column's images, across all groups from left to right.
        public let columnX: [Int]
        /// Top edge of each row's images.
        public let rowY: [Int]

        /// Top of the title, of the group titles (a rule follows them) and of the column headers, when present.
        let titleY: Int?
        let groupTitleY: Int?
        let columnHeaderY: Int?
        /// Columns each group's images cover; the columns of the rules between groups; the rows those rules span.
        let groupSpans: [Range<Int>]
        let separatorX: [Int]
        let separatorSpan: Range<Int>
        /// How many lines of a wrapped label fit beside its row.
        let labelLineLimit: Int
    }

    /// The grid's layout: the title, then the group titles and their rules, the column headers, and the rows, each
    /// image with its caption under it; a section is left out when none of its texts is there. Throws
    /// `invalidArgument` when there are no rows, a row has not one image per column (or a caption count other
    /// than 0 or its image count), the images differ in size, or the grid would be too large.
    public func layout() throws(ImageError) -> Layout {
        let groups = groups
        let columnCount = groups.reduce(0) { $0 + $1.columns.count }
        guard !rows.isEmpty else {
            throw .invalidArgument(argument: "labelled grid", detail: "expected at least one row of images, found none")
        }
        guard (0...1 << 16).contains(labelWidth) else {
            throw .invalidArgument(argument: "labelled grid",
                                   detail: "label width \(labelWidth) is not 0 to 65536 pixels")
        }
        if let empty = groups.firstIndex(where: { $0.columns.isEmpty }) {
            throw .invalidArgument(argument: "labelled grid", detail: "column group \(empty) has no columns")
        }
        for (index, row) in rows.enumerated() {
            guard row.images.count == columnCount else {
                throw .invalidArgument(
                    argument: "labelled grid",
                    detail: "row \(index) has \(row.images.count) images for \(columnCount) columns")
            }
            guard row.captions.isEmpty || row.captions.count == columnCount else {
                throw .invalidArgument(
                    argument: "labelled grid",
                    detail: "row \(index) has \(row.captions.count) captions for \(columnCount) images")
            }
        }
        let first = rows[0].images[0]
        guard first.width > 0, first.height > 0 else {
            throw .invalidArgument(argument: "labelled grid", detail: "the images are \(first.width) x \(first.height)")
        }
        for (index, row) in rows.enumerated() {
            if let other = row.images.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
                let image = row.images[other]
                throw .invalidArgument(
                    argument: "labelled grid",
                    detail: "image \(other) of row \(index) is \(image.width) x \(image.height) but the first is "
                        + "\(first.width) x \(first.height); all images must have the same size")
            }
        }
        let font = PixelFont(), titleFont = PixelFont(scale: 2)
        let hasLabels = rows.contains { !$0.label.isEmpty }
        let hasCaptions = rows.contains { !$0.captions.isEmpty }

        var x = Self.padding + (hasLabels ? labelWidth + Self.labelGap : 0)
        var columnX: [Int] = [], groupSpans: [Range<Int>] = [], separatorX: [Int] = []
        for group in groups {
            if !groupSpans.isEmpty {
                separatorX.append(x + Self.groupGap / 2)
                x += Self.groupGap
            }
            let start = x
            for column in group.columns.indices {
                if column > 0 { x += Self.imageGap }
                columnX.append(x)
                x += first.width
            }
            groupSpans.append(start..<x)
        }
        let width = max(x, Self.padding + titleFont.width(of: title)) + Self.padding

        var y = Self.padding
        var titleY: Int?, groupTitleY: Int?, columnHeaderY: Int?
        if !title.isEmpty {
            titleY = y
            y += titleFont.height + Self.padding
        }
        if groups.contains(where: { !$0.title.isEmpty }) {
            groupTitleY = y
            y += font.height + Self.ruleGap + 1 + Self.textGap
        }
        if groups.contains(where: { $0.columns.contains { !$0.isEmpty } }) {
            columnHeaderY = y
            y += font.height + Self.textGap
        }
        let separatorTop = groupTitleY ?? columnHeaderY ?? y
        let rowHeight = first.height + (hasCaptions ? Self.textGap + font.height : 0)
        var rowY: [Int] = []
        for index in rows.indices {
            if index > 0 { y += Self.rowGap }
            rowY.append(y)
            y += rowHeight
        }
        try ImageRGB8.checkSize(width: width, height: y + Self.padding, source: "the labelled grid")
        return Layout(
            width: width, height: y + Self.padding, imageWidth: first.width, imageHeight: first.height,
            columnX: columnX, rowY: rowY, titleY: titleY, groupTitleY: groupTitleY, columnHeaderY: columnHeaderY,
            groupSpans: groupSpans, separatorX: separatorX, separatorSpan: separatorTop..<y,
            labelLineLimit: max(1, (rowHeight - font.height) / font.lineHeight + 1))
    }
}
