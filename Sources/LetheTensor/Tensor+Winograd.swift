import COpenBLAS

/// How `conv2d` computes a 3×3 stride-1 convolution: `automatic` (Winograd where it is faster, see
/// `Tensor.usesWinograd`), or one algorithm always, for tests that check each against the other and against PyTorch.
/// Set for a scope with `ConvolutionAlgorithm.$override.withValue(.winograd) { ... }`; it applies to the calling task
/// only, so tests running in parallel do not see each other's choice.
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable {
    case automatic = "auto", im2col, winograd

    @TaskLocal public static var override: ConvolutionAlgorithm = .automatic
}

extension Tensor {
    /// Whether `conv2d` runs in the Winograd domain: 3×3 kernels at stride 1 only. Automatic picks it where it was
    /// measured faster than im2col (2 cores, one layer at a time): at least 256 output tiles (a 32×32 output at batch
    /// 1) and at least 32 input channels. There the 16 products of [Cout, Cin]·[Cin, tiles] do 2.25× fewer
    /// multiplications at near sgemm's peak (SD 1.5's 640→320 channels at 64×64: 0.66× im2col's time; 640→640 at
    /// 32×32: 0.78× at batch 1, 0.62× at batch 2; the VAE decoder's 256 channels at 128×128: 0.66×). Below that the
    /// kernel's transform, 16/9 of the weights written anew on every call, and products too narrow to keep sgemm busy
    /// cost more than the saving (1280 channels at 16×16: 1.9× im2col's time at batch 1, about even at batch 2; at
    /// 8×8: 7.8×).
    static func usesWinograd(kernelHeight: Int, kernelWidth: Int, geometry: Conv2DGeometry, batch: Int, inChannels: Int,
                             outHeight: Int, outWidth: Int) -> Bool {
        guard kernelHeight == 3, kernelWidth == 3, geometry.stride == (1, 1), outHeight >= 2, outWidth >= 2 else {
            return false
        }
        switch ConvolutionAlgorithm.override {
        case .im2col: return false
        case .winograd: return true
        case .automatic:
            let tiles = batch * ((outHeight + 1) / 2) * ((outWidth + 1) / 2)
            return inChannels >= 32 && tiles >= 256
        }
    }

    /// A 3×3, stride-1 convolution as Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms
    /// for Convolutional Neural Networks", 2015): every 4×4 input tile d (stride 2) and 3×3 kernel g give a 2×2
    /// output tile Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. Summed over input channels, the elementwise product becomes 16
    /// independent matrix products U[ξ] [Cout, Cin] · V[ξ] [Cin, tiles], one per position ξ of the 4×4 tile: 16
    /// multiplications per 4 outputs instead of 36. The transforms use only ±1 and ½ (exact in float32), so the
    /// result differs from im2col's by rounding in a different order, not by a looser bound.
    ///
    /// Tiles of every image in the batch are numbered row by row and handled in bands of tile rows, so that V and
    /// the products M stay near `tileElements` floats; a band may span images, which keeps the products wide
    /// when the images are small. The 16 products of a band run in parallel, each single-threaded.
    ///
    /// With `turned`, the kernel is `weight` [Cin, Cout, 3, 3] turned 180° with its channel axes swapped, the
    /// convolution whose result is a convolution's input gradient. G·rot(g)·Gᵀ = P·(G g Gᵀ)·Pᵀ, where P swaps the
    /// tile's first and last rows (G's middle rows are palindromes, its outer rows each other's reverse), so the
    /// turned kernel's transform is `weight`'s own at position (p(r), p(c)), read transposed by sgemm: no turned copy
    /// of the weights is written.
    func conv2dWinograd(weight: Tensor, bias: Tensor?, padding: (Int, Int), tileElements: Int = 1 << 23,
                        turned: Bool = false) -> Tensor {
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let outChannels = turned ? weight.shape[1] : weight.shape[0]
        let (outHeight, outWidth) = (height + 2 * padding.0 - 2, width + 2 * padding.1 - 2)
        let (tilesHigh, tilesWide) = ((outHeight + 1) / 2, (outWidth + 1) / 2)
        let totalTileRows = batch * tilesHigh
        let bandTileRows = Swift.max(1, Swift.min(totalTileRows,
                                                  tileElements / Swift.max(16 * (inChannels + outChannels) * tilesWide, 1)))
        let bandTiles = bandTileRows * tilesWide
        // Counted as the convolution it computes (as PyTorch's FlopCounterMode counts any convolution), not as the
        // fewer multiplications it does: GFLOP/s figures then compare time for the same work.
        FLOPCounter.addMatrixProduct(m: outChannels, n: batch * outHeight * outWidth, k: inChannels * 9)
        let input = contiguous()
        let result = Tensor(unfilled: [batch, outChannels, outHeight, outWidth])
        // Every element of these three buffers is written before it is read: no zero-filling.
        let transformedKernel = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outChannels * inChannels)
        let transformedInput = UnsafeMutablePointer<Float>.allocate(capacity: 16 * inChannels * bandTiles)
        let products = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outChannels * bandTiles)
        defer {
            transformedKernel.deallocate()
            transformedInput.deallocate()
            products.deallocate()
        }
        Tensor.winogradKernel(weight.contiguous(), into: transformedKernel)
        let biasValues = bias?.contiguous()
        let (kernelPointer, inputPointer, productPointer) = (
            SharedFloatPointer(transformedKernel), SharedFloatPointer(transformedInput), SharedFloatPointer(products))
        for firstTileRow in stride(from: 0, to: totalTileRows, by: bandTileRows) {
            let tileRows = firstTileRow..<Swift.min(firstTileRow + bandTileRows, totalTileRows)
            let tiles = tileRows.count * tilesWide
            Tensor.winogradInput(input, tileRows: tileRows, tilesHigh: tilesHigh, tilesWide: tilesWide,
                                 padding: padding, into: transformedInput, rowStride: tiles)
            // M[ξ] [Cout, tiles] = U[ξ] [Cout, Cin] · V[ξ] [Cin, tiles]; turned, U[ξ] = U_weight[p(ξ)]ᵀ.
            BLASThreads.parallel(tasks: 16) { _, position in
                let (row, column) = position.quotientAndRemainder(dividingBy: 4)
                let (kernelPosition, kernelOrder, kernelStride) = turned
                    ? (4 * Tensor.winogradMirror(row) + Tensor.winogradMirror(column), CblasTrans, outChannels)
                    : (position, CblasNoTrans, inChannels)
                cblas_sgemm(CblasRowMajor, kernelOrder, CblasNoTrans, Int32(outChannels), Int32(tiles), Int32(inChannels),
                            1, kernelPointer.base + kernelPosition * outChannels * inChannels, Int32(kernelStride),
                            inputPointer.base + position * inChannels * tiles, Int32(tiles),
                            0, productPointer.base + position * outChannels * tiles, Int32(tiles))
            }
            Tensor.winogradOutput(products, tiles: tiles, tileRows: tileRows, tilesHigh: tilesHigh,
                                  tilesWide: tilesWide, bias: biasValues, into: result)
        }
        return result
    }

    /// P's row map: the tile's rows (and columns) 0 and 3 swap, 1 and 2 stay.
    @inline(__always) static func winogradMirror(_ index: Int) -> Int {
        index == 0 ? 3 : (index == 3 ? 0 : index)
    }

    /// U = G g Gᵀ for every [Cout, Cin] 3×3 kernel, laid out [16, Cout, Cin] (ξ = 4·row + column of the 4×4 tile)
    /// in `transformed`. G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
    static func winogradKernel(_ weight: Tensor, into transformed: UnsafeMutablePointer<Float>) {
        let (outChannels, inChannels) = (weight.shape[0], weight.shape[1])
        let pairs = outChannels * inChannels
        let (source, destination) = (SharedFloatPointer(weight.pointer), SharedFloatPointer(transformed))
        forEachRange(count: pairs, workers: workerCount(count: pairs, grain: 16384)) { _, range in
            let out = destination.base
            for pair in range {
                let g = source.base + pair * 9
                // Row `row` of G g (three values), times Gᵀ: four values of U's row.
                @inline(__always) func store(_ row: Int, _ a0: Float, _ a1: Float, _ a2: Float) {
                    out[(4 * row) * pairs + pair] = a0
                    out[(4 * row + 1) * pairs + pair] = 0.5 * (a0 + a1 + a2)
                    out[(4 * row + 2) * pairs + pair] = 0.5 * (a0 - a1 + a2)
                    out[(4 * row + 3) * pairs + pair] = a2
                }
                let (g0, g1, g2, g3, g4, g5, g6, g7, g8) = (g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8])
                store(0, g0, g1, g2)
                store(1, 0.5 * (g0 + g3 + g6), 0.5 * (g1 + g4 + g7), 0.5 * (g2 + g5 + g8))
                store(2, 0.5 * (g0 - g3 + g6), 0.5 * (g1 - g4 + g7), 0.5 * (g2 - g5 + g8))
                store(3, g6, g7, g8)
            }
        }
    }

    /// V = Bᵀ d B for the 4×4 input tiles of `tileRows` (numbered over the batch), laid out [16, Cin, tiles] with
    /// `rowStride` = tiles. Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]. Each input row is
    /// split into its even and odd columns first, so that every tile's four columns (2t, 2t+1, 2t+2, 2t+3) are
    /// even[t], odd[t], even[t+1], odd[t+1] and the column transform runs over whole rows of tiles.
    static func winogradInput(_ input: Tensor, tileRows: Range<Int>, tilesHigh: Int, tilesWide: Int,
                              padding: (Int, Int), into transformed: UnsafeMutablePointer<Float>, rowStride tiles: Int) {
        let (inChannels, height, width) = (input.shape[1], input.shape[2], input.shape[3])
        let (source, destination) = (SharedFloatPointer(input.pointer), SharedFloatPointer(transformed))
        let span = tilesWide + 1
        let workers = Swift.min(inChannels, workerCount(count: inChannels * tileRows.count * tilesWide, grain: 4096))
        forEachRange(count: inChannels, workers: workers) { _, channels in
            // Four input rows' even and odd columns, then the row transform's four combinations of them.
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 16 * span)
            defer { scratch.deallocate() }
            let (even, odd) = (scratch, scratch + 4 * span)
            let (combinedEven, combinedOdd) = (scratch + 8 * span, scratch + 12 * span)
            for channel in channels {
                for (localRow, tileRow) in tileRows.enumerated() {
                    let (sample, tileY) = tileRow.quotientAndRemainder(dividingBy: tilesHigh)
                    let image = source.base + (sample * inChannels + channel) * height * width
                    for r in 0..<4 {
                        let y = 2 * tileY - padding.0 + r
                        let (e, o) = (even + r * span, odd + r * span)
                        guard y >= 0 && y < height else {
                            e.update(repeating: 0, count: span)
                            o.update(repeating: 0, count: span)
                            continue
                        }
                        let row = image + y * width
                        for k in 0..<span {
                            let x = 2 * k - padding.1
                            e[k] = x >= 0 && x < width ? row[x] : 0
                            o[k] = x + 1 >= 0 && x + 1 < width ? row[x + 1] : 0
                        }
                    }
                    // Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
                    for half in 0..<2 {
                        let d = half == 0 ? even : odd
                        let t = half == 0 ? combinedEven : combinedOdd
                        let (d0, d1, d2, d3) = (d, d + span, d + 2 * span, d + 3 * span)
                        let (t0, t1, t2, t3) = (t, t + span, t + 2 * span, t + 3 * span)
                        for k in 0..<span {
                            t0[k] = d0[k] - d2[k]
                            t1[k] = d1[k] + d2[k]
                            t2[k] = d2[k] - d1[k]
                            t3[k] = d1[k] - d3[k]
                        }
                    }
                    // (Bᵀ d) B: columns c0 − c2, c1 + c2, c2 − c1, c1 − c3, with c0..c3 = even[t], odd[t], even[t+1], odd[t+1].
                    let firstTile = localRow * tilesWide
                    for row in 0..<4 {
                        let (e, o) = (combinedEven + row * span, combinedOdd + row * span)
                        let out = destination.base + (4 * row * inChannels + channel) * tiles + firstTile
                        let plane = inChannels * tiles
                        for t in 0..<tilesWide {
                            let (c0, c1, c2, c3) = (e[t], o[t], e[t + 1], o[t + 1])
                            out[t] = c0 - c2
                            out[plane + t] = c1 + c2
                            out[2 * plane + t] = c2 - c1
                            out[3 * plane + t] = c1 - c3
                        }
                    }
                }
            }
        }
    }

    /// Y = Aᵀ m A for every tile of the products M [16, Cout, tiles], plus the bias, written into the output
    /// [N, Cout, Ho, Wo] (the last row or column of a tile is dropped where the output's size is odd).
    /// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
    static func winogradOutput(_ products: UnsafeMutablePointer<Float>, tiles: Int, tileRows: Range<Int>,
                               tilesHigh: Int, tilesWide: Int, bias: Tensor?, into result: Tensor) {
        let (outChannels, outHeight, outWidth) = (result.shape[1], result.shape[2], result.shape[3])
        let (source, destination) = (SharedFloatPointer(products), SharedFloatPointer(result.pointer))
        let biasPointer = bias.map { SharedFloatPointer($0.pointer) }
        let plane = outChannels * tiles
        forEachRange(count: outChannels, workers: workerCount(count: outChannels * tiles, grain: 4096)) { _, channels in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * tilesWide)
            defer { scratch.deallocate() }
            let (y00, y01, y10, y11) = (scratch, scratch + tilesWide, scratch + 2 * tilesWide, scratch + 3 * tilesWide)
            for channel in channels {
                let shift = biasPointer?.base[channel] ?? 0
                for (localRow, tileRow) in tileRows.enumerated() {
                    let (sample, tileY) = tileRow.quotientAndRemainder(dividingBy: tilesHigh)
                    let m = source.base + channel * tiles + localRow * tilesWide
                    for t in 0..<tilesWide {
                        // Aᵀ m: rows m0 + m1 + m2 and m1 − m2 − m3 (each of four columns), then the same on columns.
                        var s0 = SIMD4<Float>(), s1 = SIMD4<Float>()
                        for column in 0..<4 {
                            let (m0, m1) = (m[column * plane + t], m[(4 + column) * plane + t])
                            let (m2, m3) = (m[(8 + column) * plane + t], m[(12 + column) * plane + t])
                            s0[column] = m0 + m1 + m2
                            s1[column] = m1 - m2 - m3
                        }
                        y00[t] = s0[0] + s0[1] + s0[2] + shift
                        y01[t] = s0[1] - s0[2] - s0[3] + shift
                        y10[t] = s1[0] + s1[1] + s1[2] + shift
                        y11[t] = s1[1] - s1[2] - s1[3] + shift
                    }
                    let image = destination.base + (sample * outChannels + channel) * outHeight * outWidth
                    for rowOffset in 0..<2 {
                        let (left, right) = rowOffset == 0 ? (y00, y01) : (y10, y11)
                        let y = 2 * tileY + rowOffset
                        guard y < outHeight else { continue }
                        let row = image + y * outWidth
                        for t in 0..<(outWidth / 2) {
                            row[2 * t] = left[t]
                            row[2 * t + 1] = right[t]
                        }
                        if outWidth % 2 == 1 { row[outWidth - 1] = left[tilesWide - 1] }
                    }
                }
            }
        }
    }
}
