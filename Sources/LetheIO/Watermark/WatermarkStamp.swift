/// Marks the images a command writes where they can carry the mark, and keeps count of those that could not
/// (smaller than 256 × 256 pixels, such as the world's 64-pixel pictures) and of those marked whose mark does not
/// read back well enough to be found even untouched (white, black or saturated areas, smooth gradients), so the
/// command can say so once instead of failing. One per command run, used from one thread.
public final class WatermarkStamp {
    public let mark: InvisibleWatermark
    /// Images written without the mark, and the size of the last of them.
    public private(set) var unmarkedCount = 0
    public private(set) var unmarkedSize: (width: Int, height: Int)?
    public private(set) var markedCount = 0
    /// Marked images from which `lethe watermark detect` would not find the mark, as written.
    public private(set) var unreadableCount = 0

    public init(mark: InvisibleWatermark) { self.mark = mark }

    /// `image` with the mark, or unchanged (and counted) when it is too small to carry it.
    public func apply(to image: ImageRGB8) -> ImageRGB8 {
        guard mark.fits(width: image.width, height: image.height),
              let marked = try? mark.embedded(in: image) else {
            unmarkedCount += 1
            unmarkedSize = (image.width, image.height)
            return image
        }
        markedCount += 1
        let agreeing = (try? InvisibleWatermark.read(marked, length: mark.bits.count).agreement(with: mark)) ?? 0
        if !KnownWatermark.isFound(agreeing: agreeing, of: mark.bits.count) { unreadableCount += 1 }
        return marked
    }

    /// Lines for the user about images that went unmarked or whose mark does not read back; empty when none.
    public var notes: [String] {
        var notes: [String] = []
        if unmarkedCount > 0, let size = unmarkedSize {
            let what = unmarkedCount == 1 ? "1 image" : "\(unmarkedCount) images"
            notes.append("\(what) (\(size.width) x \(size.height) pixels) written without the invisible watermark: it "
                + "needs at least 65536 pixels (e.g. 256 x 256) and a block of them per bit of the mark (\(mark.bits.count) bits)")
        }
        if unreadableCount > 0 {
            notes.append("\(unreadableCount) of \(markedCount) marked images carry too little of the invisible watermark "
                + "for lethe watermark detect to find it (white, black and saturated areas and smooth gradients cannot "
                + "hold it; see the README, \"Watermarks\")")
        }
        return notes
    }
}
