extension ImageRGB8 {
    /// An image of one colour.
    public init(width: Int, height: Int, color: Color) {
        self.init(width: width, height: height,
                  pixels: [UInt8](repeating: 0, count: width * height * Self.channels))
        fill(x: 0, y: 0, width: width, height: height, color: color)
    }

    /// Paints the `width` x `height` rectangle whose top-left pixel is (`x`, `y`) with `color`; the parts outside
    /// the image are skipped, so callers can draw near an edge without checking it.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: Color) {
        let left = max(x, 0), right = min(x + width, self.width)
        let top = max(y, 0), bottom = min(y + height, self.height)
        guard left < right, top < bottom else { return }
        let rowBytes = rowByteCount
        pixels.withUnsafeMutableBufferPointer { target in
            for row in top..<bottom {
                var index = row * rowBytes + left * Self.channels
                for _ in left..<right {
                    target[index] = color.red
                    target[index + 1] = color.green
                    target[index + 2] = color.blue
                    index += Self.channels
                }
            }
        }
    }

    /// Copies `image` into this one with its top-left pixel at (`x`, `y`); the parts outside are skipped.
    public mutating func place(_ image: ImageRGB8, x: Int, y: Int) {
        let left = max(x, 0), right = min(x + image.width, width)
        let top = max(y, 0), bottom = min(y + image.height, height)
        guard left < right, top < bottom else { return }
        let rowBytes = rowByteCount, sourceRowBytes = image.rowByteCount
        let count = (right - left) * Self.channels
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for row in top..<bottom {
                    let from = source.baseAddress! + (row - y) * sourceRowBytes + (left - x) * Self.channels
                    (target.baseAddress! + row * rowBytes + left * Self.channels).update(from: from, count: count)
                }
            }
        }
    }
}
