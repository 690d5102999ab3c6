import ArgumentParser
import Foundation
import LetheIO

/// `lethe watermark embed`: marks one image, as `lethe generate` marks what it writes.
struct WatermarkEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed an invisible watermark in a PNG or JPEG image and write it as PNG.",
        discussion: """
            The bytes are those the invisible-watermark package writes for the same image (read in BGR order, as \
            cv2.imread gives it) with WatermarkEncoder.set_watermark(TYPE, CONTENT) and encode(image, 'dwtDct'): \
            --text is the 'bytes' type of its UTF-8, --bits the 'bits' type, --hex the 'b16' type (upper-case \
            hex). The image needs at least 65536 pixels (e.g. 256 x 256) and a block per bit.
            """)

    @Argument(help: ArgumentHelp("The PNG or JPEG image to mark.", valueName: "image"))
    var image: String

    @Option(help: ArgumentHelp("A text mark. Default: \"\(KnownWatermark.letheText)\".", valueName: "text"))
    var text: String?

    @Option(help: ArgumentHelp("A mark of bits, e.g. 101100111110 (the package's 'bits' type).", valueName: "bits"))
    var bits: String?

    @Option(help: ArgumentHelp("A mark of bytes in upper-case hex, e.g. B3EC907BB19E (the package's 'b16' type).", valueName: "hex"))
    var hex: String?

    @Option(help: "The PNG to write.")
    var output: String

    @Flag(help: "Replace an existing output image.")
    var overwrite = false

    func validate() throws {
        guard [text, bits, hex].compactMap({ $0 }).count <= 1 else { throw ValidationError("give one of --text, --bits and --hex") }
        guard URL(fileURLWithPath: output).pathExtension.lowercased() == "png" else {
            throw ValidationError("--output must end in .png, got '\(output)'")
        }
    }

    func run() throws {
        let mark: InvisibleWatermark
        if let bits {
            mark = try InvisibleWatermark(bitString: bits)
        } else if let hex {
            mark = try InvisibleWatermark(base16: hex)
        } else {
            mark = try InvisibleWatermark(text: text ?? KnownWatermark.letheText)
        }
        let target = try OutputGuard.check(output: output, kind: .image, inputs: [OutputGuard.Input(image, role: "image")], overwrite: overwrite)
        let marked = try mark.embedded(in: try ImageRGB8(contentsOfFile: image), source: image)
        try marked.writePNG(toFile: target)
        FileHandle.standardError.write(Data("wrote \(output) (\(mark))\n".utf8))
    }
}
