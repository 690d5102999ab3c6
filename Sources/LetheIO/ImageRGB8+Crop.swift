extension ImageRGB8 {
    /// The `width` x `height` region whose top-left pixel is (`x`, `y`); throws if it does not lie inside the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws(ImageError) -> ImageRGB8 {
        guard width >= 0, height >= 0, x >= 0, y >= 0, x <= self.width - width, y <= self.height - height else {
            throw .invalidArgument(
                argument: "crop region",
                detail: "\(width) x \(height) at (\(x), \(y)) does not fit inside the \(self.width) x \(self.height) image")
        }
        return region(x: x, y: y, width: width, height: height)
    }

    /// The largest centred square, as diffusers' textual-inversion example crops with `--center_crop`:
    /// side `min(width, height)`, offsets `(height - side) // 2` and `(width - side) // 2` (rounded down).
    public func centerCroppedToSquare() -> ImageRGB8 {
        let side = min(width, height)
        return region(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
    }

    /// A centred `width` x `height` crop as torchvision's `CenterCrop((height, width))` does it: the offsets are
    /// `round((size - crop) / 2)` with Python's round half to even, and where the crop is larger than the image
    /// the image is first padded with black, `(crop - size) // 2` on the left/top and the rest on the right/bottom.
    public func centerCropped(width: Int, height: Int) throws(ImageError) -> ImageRGB8 {
        guard width > 0, height > 0 else {
            throw .invalidArgument(argument: "center crop size",
                                   detail: "expected a positive width and height, found \(width) x \(height)")
        }
        try ImageRGB8.checkSize(width: width, height: height, source: "the cropped image")
        return region(x: Self.centerCropOffset(size: self.width, crop: width),
                      y: Self.centerCropOffset(size: self.height, crop: height), width: width, height: height)
    }

    /// torchvision's offset of a centred crop along one axis (negative: padding before the image).
    private static func centerCropOffset(size: Int, crop: Int) -> Int {
        if crop > size { return -((crop - size) / 2) }
        return Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
    }

    /// The region at (`x`, `y`); parts outside the image are black.
    func region(x: Int, y: Int, width: Int, height: Int) -> ImageRGB8 {
        var result = ImageRGB8(width: width, height: height)
        let columns = max(0, min(x + width, self.width)) - max(x, 0)
        guard columns > 0 else { return result }
        let sourceRowBytes = rowByteCount
        let targetRowBytes = result.rowByteCount
        pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                for row in max(y, 0)..<max(max(y, 0), min(y + height, self.height)) {
                    let from = source.baseAddress! + row * sourceRowBytes + max(x, 0) * 3
                    let to = target.baseAddress! + (row - y) * targetRowBytes + (max(x, 0) - x) * 3
                    to.update(from: from, count: columns * 3)
                }
            }
        }
        return result
    }
}
