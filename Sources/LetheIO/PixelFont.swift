/// The bitmap font Lethe labels its image grids with: printable ASCII (0x20 to 0x7E) drawn pixel by pixel, 7 rows
/// from the top of a capital to the baseline and 2 more below it for descenders, each glyph as wide as its shape
/// (1 to 5 pixels) plus 1 pixel of spacing. A bitmap font needs no font file and no rasteriser, draws the same
/// pixels on every machine (so grids are reproducible pixel for pixel), and stays sharp at the few pixels a caption
/// under a 64-pixel image has; proportional widths fit a third more text there than fixed 6-pixel cells.
///
/// Any other character (a letter with an accent, a control character, an emoji) is drawn as '?', one per
/// character as a reader sees it. `scale` draws every font pixel as a `scale` x `scale` square: 2 for headings.
public struct PixelFont: Sendable, Equatable {
    /// Rows from the top of a capital to the baseline, inclusive.
    public static let ascent = 7
    /// Rows below the baseline (the tails of g, j, p, q, y and the comma).
    public static let descent = 2
    /// Empty columns after each glyph.
    public static let spacing = 1
    /// What a character outside printable ASCII is drawn as.
    public static let replacement: Character = "?"

    /// Size of one font pixel in image pixels.
    public let scale: Int

    public init(scale: Int = 1) {
        precondition(scale >= 1, "font scale \(scale) is not a positive whole number")
        self.scale = scale
    }

    /// Height in pixels of one line of text, descenders included: everything `draw` can ink lies this far below
    /// the line's top.
    public var height: Int { (Self.ascent + Self.descent) * scale }

    /// Distance in pixels from one line's top to the next: the glyph height and 2 font pixels of leading, so a
    /// descender never touches the capital below it.
    public var lineHeight: Int { (Self.ascent + Self.descent + 2) * scale }

    /// Width in pixels of `text` drawn on one line, from its first glyph's left edge to its last glyph's right
    /// edge (no spacing after the last glyph); 0 for the empty string.
    public func width(of text: String) -> Int {
        var total = 0
        for character in text { total += Self.glyph(for: character).width + Self.spacing }
        return max(0, total - Self.spacing) * scale
    }

    /// Advance in pixels of one character: its glyph's width and the spacing after it.
    func advance(of character: Character) -> Int {
        (Self.glyph(for: character).width + Self.spacing) * scale
    }

    /// The glyph `character` is drawn with ('?' for anything outside printable ASCII).
    static func glyph(for character: Character) -> PixelGlyph {
        if let code = character.asciiValue, code >= 0x20, code <= 0x7E { return glyphs[Int(code) - 0x20] }
        return glyphs[Int(replacement.asciiValue!) - 0x20]
    }

    /// The glyphs of 0x20 to 0x7E, indexed by code minus 0x20, read once from `sheet`.
    static let glyphs: [PixelGlyph] = {
        var table = [PixelGlyph?](repeating: nil, count: 0x7F - 0x20)
        for (characters, rows) in sheet {
            let lines = rows.split(separator: "\n", omittingEmptySubsequences: false)
            precondition(lines.count == ascent + descent,
                         "glyph rows for \(characters) are not \(ascent + descent) lines")
            let cells = lines.map { $0.split(separator: " ") }
            for (index, character) in characters.enumerated() {
                let code = Int(character.asciiValue!)
                precondition(table[code - 0x20] == nil, "glyph \(character) drawn twice")
                let shape = cells.map { $0[index] }
                let width = shape[0].count
                precondition(shape.allSatisfy { $0.count == width }, "glyph \(character) has rows of unequal width")
                let bits = shape.map { row in
                    row.enumerated().reduce(UInt8(0)) { bits, cell in
                        cell.element == "#" ? bits | 1 << cell.offset : bits
                    }
                }
                table[code - 0x20] = PixelGlyph(width: width, rows: bits)
            }
        }
        return table.enumerated().map { code, glyph in
            guard let glyph else { preconditionFailure("no glyph for character code \(code + 0x20)") }
            return glyph
        }
    }()
}

/// One character's shape: `rows` from the top of a capital down, bit `c` of a row set where column `c` (from the
/// left) is ink.
struct PixelGlyph: Sendable, Equatable {
    let width: Int
    let rows: [UInt8]

    func isInk(column: Int, row: Int) -> Bool { rows[row] >> column & 1 == 1 }
}
