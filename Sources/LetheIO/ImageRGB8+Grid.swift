extension ImageRGB8 {
    /// The images tiled row by row into a grid of `rows` x `columns` cells, like diffusers' `make_image_grid`:
    /// image `i` goes to row `i / columns`, column `i % columns`. All images must have the same size. Unlike
    /// `make_image_grid`, fewer images than cells are allowed; the empty cells are black.
    public static func grid(_ images: [ImageRGB8], rows: Int, columns: Int) throws(ImageError) -> ImageRGB8 {
        guard let first = images.first else {
            throw .invalidArgument(argument: "image grid", detail: "expected at least one image, found none")
        }
        guard rows > 0, columns > 0, images.count <= rows * columns else {
            throw .invalidArgument(argument: "image grid",
                                   detail: "\(images.count) images do not fit \(rows) rows x \(columns) columns")
        }
        if let index = images.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw .invalidArgument(
                argument: "image grid",
                detail: "image \(index) is \(images[index].width) x \(images[index].height) but image 0 is "
                    + "\(first.width) x \(first.height); all images must have the same size")
        }
        let (gridWidth, widthOverflow) = first.width.multipliedReportingOverflow(by: columns)
        let (gridHeight, heightOverflow) = first.height.multipliedReportingOverflow(by: rows)
        guard !widthOverflow, !heightOverflow else {
            throw .invalidArgument(argument: "image grid", detail: "\(rows) x \(columns) cells overflow the image size")
        }
        try checkSize(width: gridWidth, height: gridHeight, source: "the image grid")
        var grid = ImageRGB8(width: gridWidth, height: gridHeight)
        guard !grid.pixels.isEmpty else { return grid }
        let cellRowBytes = first.rowByteCount
        let gridRowBytes = grid.rowByteCount
        grid.pixels.withUnsafeMutableBufferPointer { target in
            for (index, image) in images.enumerated() {
                let left = (index % columns) * cellRowBytes
                let top = (index / columns) * first.height
                image.pixels.withUnsafeBufferPointer { source in
                    for row in 0..<first.height {
                        (target.baseAddress! + (top + row) * gridRowBytes + left)
                            .update(from: source.baseAddress! + row * cellRowBytes, count: cellRowBytes)
                    }
                }
            }
        }
        return grid
    }
}
