extension ImageRGB8 {
    /// This image mirrored left to right (PIL's `FLIP_LEFT_RIGHT`, torchvision's `RandomHorizontalFlip` when it
    /// flips).
    public func horizontallyFlipped() -> ImageRGB8 {
        guard !pixels.isEmpty else { return self }
        var result = self
        let rowBytes = rowByteCount
        let width = width
        pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                for row in 0..<height {
                    let from = source.baseAddress! + row * rowBytes
                    let to = target.baseAddress! + row * rowBytes
                    for x in 0..<width {
                        let mirrored = (width - 1 - x) * 3
                        to[x * 3] = from[mirrored]
                        to[x * 3 + 1] = from[mirrored + 1]
                        to[x * 3 + 2] = from[mirrored + 2]
                    }
                }
            }
        }
        return result
    }
}
