import LetheTensor

/// The judge's pool from its last feature maps to its feature vector.
enum GlobalMaxPool {
    /// [B, C, H, W] → each channel's largest value [B, C], and where it was (the first of equals) for the backward
    /// pass. A maximum says whether a feature's pattern appears anywhere in the picture, which is what the
    /// multi-label heads ask; an average dilutes a small object among the background's patterns (in a trial, with
    /// an average the shape head was still at its prior after 700 steps; with the maximum it learned from step 300).
    static func forward(_ maps: Tensor) -> (features: Tensor, positions: [Int]) {
        let (rows, area) = (maps.shape[0] * maps.shape[1], maps.shape[2] * maps.shape[3])
        let values = maps.contiguous()
        let features = Tensor(zeros: [maps.shape[0], maps.shape[1]])
        var positions = [Int](repeating: 0, count: rows)
        for row in 0..<rows {
            let start = values.pointer + row * area
            var best = 0
            for position in 1..<area where start[position] > start[best] { best = position }
            positions[row] = best
            features.pointer[row] = start[best]
        }
        return (features, positions)
    }

    /// The gradient of the maps: each feature's gradient at the position its maximum came from, 0 elsewhere.
    static func backward(_ gradient: Tensor, positions: [Int], side: Int) -> Tensor {
        let (batch, channels) = (gradient.shape[0], gradient.shape[1])
        let values = gradient.contiguous()
        let maps = Tensor(zeros: [batch, channels, side, side])
        for (row, position) in positions.enumerated() { maps.pointer[row * side * side + position] = values.pointer[row] }
        return maps
    }
}
