import LetheIO
import Testing

@Suite("Pixel font and text drawing")
struct PixelFontTests {
    static let printable = (0x20...0x7E).map { Character(UnicodeScalar(UInt8($0))) }

    /// `text` drawn in black on white, on a canvas with `margin` blank pixels around its measured box.
    static func drawn(_ text: String, font: PixelFont = PixelFont(), margin: Int = 0) -> ImageRGB8 {
        var image = ImageRGB8(width: font.width(of: text) + 2 * margin, height: font.height + 2 * margin, color: .white)
        image.draw(text, x: margin, y: margin, font: font, color: .black)
        return image
    }

    /// The (x, y) of every pixel that is not white.
    static func ink(_ image: ImageRGB8) -> [(x: Int, y: Int)] {
        var points: [(x: Int, y: Int)] = []
        for y in 0..<image.height {
            for x in 0..<image.width where image.pixel(x: x, y: y) != (255, 255, 255) { points.append((x, y)) }
        }
        return points
    }

    @Test func everyPrintableCharacterButSpaceHasInkAndItsOwnGlyph() {
        var seen: [[UInt8]: Character] = [:]
        for character in Self.printable where character != " " {
            let image = Self.drawn(String(character))
            #expect(!Self.ink(image).isEmpty, "'\(character)' draws nothing")
            let key = [UInt8(image.width)] + image.pixels
            #expect(seen[key] == nil, "'\(character)' looks like '\(seen[key] ?? " ")'")
            seen[key] = character
        }
        #expect(seen.count == 94)
        let space = Self.drawn(" ")
        #expect(space.width > 0 && Self.ink(space).isEmpty)
    }

    @Test(arguments: [1, 2, 3])
    func drawnInkLiesInsideTheMeasuredBox(scale: Int) {
        let font = PixelFont(scale: scale)
        let texts = Self.printable.map { String($0) } + [
            String(Self.printable), "after: UCE erased Ilse Varga", "star 0.97", "jpgqy_,;", "", "é ✓",
        ]
        for text in texts {
            let margin = 3 * scale
            let image = Self.drawn(text, font: font, margin: margin)
            let box = (left: margin, top: margin, right: margin + font.width(of: text), bottom: margin + font.height)
            let outside = Self.ink(image).filter {
                $0.x < box.left || $0.x >= box.right || $0.y < box.top || $0.y >= box.bottom
            }
            #expect(outside.isEmpty, "'\(text)' inks \(outside.count) pixels outside its measured box")
        }
        // The box is tight: this text's ink reaches its left and right edges, its top (capitals) and bottom (g).
        let image = Self.drawn("Ilse Varga", font: font)
        let points = Self.ink(image)
        #expect(points.map(\.x).min() == 0 && points.map(\.x).max() == image.width - 1)
        #expect(points.map(\.y).min() == 0 && points.map(\.y).max() == image.height - 1)
    }

    @Test func widthAddsGlyphsAndOneColumnOfSpacingBetweenThem() {
        let font = PixelFont()
        #expect(font.width(of: "") == 0)
        #expect(font.height == PixelFont.ascent + PixelFont.descent)
        for first in ["A", "i", "m", "1", " "] {
            for second in ["B", "l", ".", "w"] {
                let sum = font.width(of: first) + PixelFont.spacing + font.width(of: second)
                #expect(font.width(of: first + second) == sum)
            }
        }
        let big = PixelFont(scale: 2)
        #expect(big.width(of: "Hello, world") == 2 * font.width(of: "Hello, world"))
        #expect(big.height == 2 * font.height && big.lineHeight == 2 * font.lineHeight)
        // Digits are equally wide, so numbers in a column of captions line up.
        #expect(Set("0123456789".map { font.width(of: String($0)) }).count == 1)
    }

    @Test func scaleTwoDrawsEachFontPixelAsATwoByTwoSquare() {
        let text = "Ag 0.97"
        let small = Self.drawn(text), big = Self.drawn(text, font: PixelFont(scale: 2))
        #expect(big.width == 2 * small.width && big.height == 2 * small.height)
        for y in 0..<big.height {
            for x in 0..<big.width where big.pixel(x: x, y: y) != small.pixel(x: x / 2, y: y / 2) {
                Issue.record("pixel (\(x), \(y)) at scale 2 differs from (\(x / 2), \(y / 2)) at scale 1")
                return
            }
        }
    }

    @Test func charactersOutsidePrintableASCIIAreDrawnAsQuestionMarks() {
        let font = PixelFont()
        let question = Self.drawn("?")
        // One '?' per character a reader sees: an accented letter, a combining sequence, an emoji, a tab, a newline.
        for text in ["é", "e\u{301}", "😀", "\t", "\n", "\u{7F}", "ß", "✓"] {
            #expect(font.width(of: text) == font.width(of: "?"), "\(text.unicodeScalars.map(\.value))")
            #expect(Self.drawn(text) == question, "\(text.unicodeScalars.map(\.value))")
        }
        #expect(Self.drawn("naïve") == Self.drawn("na?ve"))
    }

    @Test func drawingPaintsOnlyInkAndClipsAtTheEdges() {
        var image = ImageRGB8(width: 20, height: 6, color: .init(red: 1, green: 2, blue: 3))
        image.draw("WWWWWW", x: -3, y: -2, color: .init(red: 200, green: 0, blue: 0))
        let colours = Set(stride(from: 0, to: image.pixels.count, by: 3).map { Array(image.pixels[$0..<$0 + 3]) })
        #expect(colours == [[1, 2, 3], [200, 0, 0]])
        var untouched = ImageRGB8(width: 5, height: 5, color: .white)
        untouched.draw("Hello", x: 40, y: 40)
        untouched.draw("Hello", x: -100, y: 0)
        #expect(untouched == ImageRGB8(width: 5, height: 5, color: .white))
    }

    @Test func truncationFitsTheWidthAndKeepsAsMuchAsFits() {
        let text = "a photo of Ilse Varga's red star"
        for scale in [1, 2] {
            let font = PixelFont(scale: scale)
            #expect(font.truncated(text, toWidth: font.width(of: text)) == text)
            for width in 0..<font.width(of: text) {
                let short = font.truncated(text, toWidth: width)
                #expect(font.width(of: short) <= width, "'\(short)' is wider than \(width)")
                guard width >= font.width(of: PixelFont.ellipsis) else {
                    #expect(PixelFont.ellipsis.hasPrefix(short))
                    continue
                }
                #expect(short.hasSuffix(PixelFont.ellipsis), "'\(short)'")
                let kept = String(short.dropLast(PixelFont.ellipsis.count))
                #expect(text.hasPrefix(kept) && kept.last != " ", "'\(short)'")
                // One more character of the text would not have fitted.
                let longer = String(text.prefix(kept.count + 1))
                if longer.last != " " {
                    #expect(font.width(of: longer + PixelFont.ellipsis) > width, "'\(short)' could keep more")
                }
            }
        }
        #expect(PixelFont().truncated("", toWidth: 0) == "")
    }

    @Test func wrappingBreaksAtSpacesAndFitsTheWidth() {
        let font = PixelFont()
        let text = "Ilse Varga style painting of a red star on a hill"
        for width in [45, 60, 100, 400] {  // each wider than the longest word
            let lines = font.wrapped(text, toWidth: width)
            #expect(lines.allSatisfy { font.width(of: $0) <= width }, "\(lines)")
            #expect(lines.joined(separator: " ") == text)
        }
        #expect(font.wrapped(text, toWidth: 400) == [text])
        // A word wider than a line is broken inside it; a newline always breaks.
        let broken = font.wrapped("Vandersloot", toWidth: 30)
        #expect(broken.count > 1 && broken.joined() == "Vandersloot")
        #expect(broken.allSatisfy { font.width(of: $0) <= 30 })
        #expect(font.wrapped("before\nUCE", toWidth: 400) == ["before", "UCE"])
        // Too many lines: the last one kept ends with "..." and still fits.
        let limited = font.wrapped(text, toWidth: 60, maxLines: 2)
        #expect(limited.count == 2 && limited[1].hasSuffix(PixelFont.ellipsis), "\(limited)")
        #expect(limited.allSatisfy { font.width(of: $0) <= 60 })
        #expect(limited[0] == font.wrapped(text, toWidth: 60)[0])
        #expect(font.wrapped(text, toWidth: 60, maxLines: 0).isEmpty)
    }
}
