import ArgumentParser
import LetheIO

/// `--watermark TEXT` and `--no-watermark`: the invisible mark on the PNGs a command writes (on by default,
/// saying Lethe made them, as Stable Diffusion's own scripts mark theirs).
struct WatermarkOption: ParsableArguments {
    /// 128 bytes are 1024 bits, one per block of a 256 x 256 image: a longer text would not fit the smallest.
    static let maximumTextBytes = 128

    @Option(name: .customLong("watermark"), help: ArgumentHelp(
        "Text hidden in each PNG written, by the invisible-watermark package's dwtDct method (as Stable Diffusion's "
            + "scripts mark theirs; `lethe watermark detect` or the package's WatermarkDecoder reads it). Images "
            + "under 256 x 256 pixels cannot carry it and are written without it. Default: \"\(KnownWatermark.letheText)\".",
        valueName: "text"))
    var text: String?

    @Flag(name: .customLong("no-watermark"), help: "Write PNGs without the invisible watermark.")
    var disabled = false

    func validate() throws {
        if disabled, text != nil { throw ValidationError("give --watermark or --no-watermark, not both") }
        if let text {
            guard !text.isEmpty else { throw ValidationError("--watermark must not be empty (to write no mark, pass --no-watermark)") }
            guard text.utf8.count <= Self.maximumTextBytes else {
                throw ValidationError("--watermark is \(text.utf8.count) bytes of UTF-8; at most \(Self.maximumTextBytes) fit a 256 x 256 image")
            }
        }
    }

    /// The stamp for this run, or nil with --no-watermark.
    func stamp() throws -> WatermarkStamp? {
        guard !disabled else { return nil }
        return WatermarkStamp(mark: try InvisibleWatermark(text: text ?? KnownWatermark.letheText))
    }
}
