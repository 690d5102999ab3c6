extension ImageRGB8 {
    /// Draws `text` on one line in `font`, the top-left corner of its box at (`x`, `y`): only the glyphs' ink is
    /// painted, in `color`, so the text lies on whatever is already there. Everything drawn lies inside the box
    /// `font.width(of: text)` x `font.height` at (`x`, `y`); the parts outside the image are skipped.
    public mutating func draw(_ text: String, x: Int, y: Int, font: PixelFont = PixelFont(), color: Color = .black) {
        var left = x
        for character in text {
            let glyph = PixelFont.glyph(for: character)
            for row in 0..<glyph.rows.count where glyph.rows[row] != 0 {
                for column in 0..<glyph.width where glyph.isInk(column: column, row: row) {
                    fill(x: left + column * font.scale, y: y + row * font.scale, width: font.scale,
                         height: font.scale, color: color)
                }
            }
            left += font.advance(of: character)
            if left >= width { break }
        }
    }
}
