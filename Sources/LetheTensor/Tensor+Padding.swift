extension Tensor {
    /// [N, C, H, W] with zeros added around each image (torch's `F.pad(x, (left, right, top, bottom))`), for the
    /// asymmetric padding diffusers' Downsample2D applies before a stride-2 convolution without padding.
    public func zeroPadded(top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0) -> Tensor {
        precondition(rank == 4, "zeroPadded takes [N, C, H, W], got \(shape)")
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "zeroPadded takes non-negative padding")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (outHeight, outWidth) = (height + top + bottom, width + left + right)
        let input = contiguous()
        let result = Tensor(zeros: [shape[0], shape[1], outHeight, outWidth])
        for plane in 0..<planes {
            let source = input.pointer + plane * height * width
            let destination = result.pointer + plane * outHeight * outWidth + top * outWidth + left
            for y in 0..<height { (destination + y * outWidth).update(from: source + y * width, count: width) }
        }
        return result
    }
}
