/// Marks the images a command writes where they can carry the mark, and keeps count of those that could not
/// (smaller than 256 × 256 pixels, such as the world's 64-pixel pictures), so the command can say so once
/// instead of failing. One per command run, used from one thread.
public final class WatermarkStamp {
    public let mark: InvisibleWatermark
    /// Images written without the mark, and the size of the last of them.
    public private(set) var unmarkedCount = 0
    public private(set) var unmarkedSize: (width: Int, height: Int)?
    public private(set) var markedCount = 0

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
        return marked
    }

    /// One line for the user when some images went unmarked, else nil.
    public var note: String? {
        guard unmarkedCount > 0, let size = unmarkedSize else { return nil }
        let what = unmarkedCount == 1 ? "1 image" : "\(unmarkedCount) images"
        return "\(what) (\(size.width) x \(size.height) pixels) written without the invisible watermark: it needs at "
            + "least 65536 pixels (e.g. 256 x 256) and a block of them per bit of the mark (\(mark.bits.count) bits)"
    }
}
