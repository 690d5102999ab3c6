import Testing
import LetheTensor

/// Index-addressability and independence of RandomStream: any split of an index range gives the same bits.
@Suite struct PhiloxRandomStreamTests {
    let stream = RandomStream(seed: 0x5EED_0000_1234_ABCD, stream: 42)

    /// Fills `[start, start + count)` in pieces cut at `cuts` (offsets into the range).
    func piecewise<T: Numeric>(
        count: Int, start: UInt64, cuts: [Int],
        fill: (UnsafeMutableBufferPointer<T>, UInt64) -> Void
    ) -> [T] {
        var values = [T](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { buffer in
            let bounds = [0] + cuts + [count]
            for (low, high) in zip(bounds, bounds.dropFirst()) {
                fill(UnsafeMutableBufferPointer(rebasing: buffer[low..<high]), start + UInt64(low))
            }
        }
        return values
    }

    static let splits: [(start: UInt64, count: Int, cuts: [Int])] = [
        (0, 1000, [1]), (0, 1000, [3, 7, 500, 501]), (5, 997, [2, 13, 14, 600]), (1, 2, [1]),
        (1 << 40 | 3, 333, [17, 18, 19, 250]), (UInt64.max - 40, 30, [1, 5, 11]), (9, 5000, [1025, 2049, 4097]),
    ]

    @Test(arguments: splits.indices)
    func piecesEqualOneFillAndScalarAccess(split: Int) {
        let (start, count, cuts) = Self.splits[split]
        let whole: [Int] = []
        let s = stream
        for cutSet in [whole, cuts] {
            let bits: [UInt32] = piecewise(count: count, start: start, cuts: cutSet) { s.fill(bits: $0, startingAt: $1) }
            let uniformF: [Float] = piecewise(count: count, start: start, cuts: cutSet) { s.fill(uniform: $0, startingAt: $1) }
            let uniformD: [Double] = piecewise(count: count, start: start, cuts: cutSet) { s.fill(uniform: $0, startingAt: $1) }
            let normalF: [Float] = piecewise(count: count, start: start, cuts: cutSet) { s.fill(normal: $0, startingAt: $1) }
            let normalD: [Double] = piecewise(count: count, start: start, cuts: cutSet) { s.fill(normal: $0, startingAt: $1) }
            for offset in 0..<count {
                let index = start &+ UInt64(offset)
                guard bits[offset] == s.bits(at: index),
                      uniformF[offset].bitPattern == s.uniformFloat(at: index).bitPattern,
                      uniformD[offset].bitPattern == s.uniformDouble(at: index).bitPattern,
                      normalF[offset].bitPattern == s.normalFloat(at: index).bitPattern,
                      normalD[offset].bitPattern == s.normalDouble(at: index).bitPattern
                else {
                    Issue.record("split \(split) cuts \(cutSet): mismatch at offset \(offset) (index \(index))")
                    return
                }
            }
        }
    }

    @Test func everyShortRangeAndAlignmentMatchesScalarAccess() {
        for start in UInt64(0)..<9 {
            for count in 0..<41 {
                let normals = stream.normalFloats(count: count, startingAt: start)
                let uniforms = stream.uniformDoubles(count: count, startingAt: start)
                let expectedNormals = (0..<count).map { stream.normalFloat(at: start + UInt64($0)) }
                let expectedUniforms = (0..<count).map { stream.uniformDouble(at: start + UInt64($0)) }
                #expect(normals.map(\.bitPattern) == expectedNormals.map(\.bitPattern), "start \(start) count \(count)")
                #expect(uniforms == expectedUniforms, "start \(start) count \(count)")
            }
        }
    }

    @Test func tensorFillMatchesArrayAndRowBlocksAgree() throws {
        let whole = stream.normalTensor(shape: [6, 5, 7], startingAt: 11)
        #expect(whole.toArray() == stream.normalFloats(count: 210, startingAt: 11))
        // Two "ranks" each fill their rows of the same global tensor.
        let split = Tensor(zeros: [6, 5, 7])
        stream.fill(normal: split.narrowed(axis: 0, start: 0, length: 1), startingAt: 11)
        stream.fill(normal: split.narrowed(axis: 0, start: 1, length: 5), startingAt: 11 + 35)
        #expect(split.toArray() == whole.toArray())
        let uniform = Tensor(zeros: [3, 3])
        stream.fill(uniform: uniform, startingAt: 4)
        #expect(uniform.toArray() == stream.uniformFloats(count: 9, startingAt: 4))
    }

    @Test func seedsStreamsAndPurposesGiveDifferentNumbers() {
        let count = 4096
        func words(_ s: RandomStream) -> [UInt32] {
            var values = [UInt32](repeating: 0, count: count)
            values.withUnsafeMutableBufferPointer { s.fill(bits: $0, startingAt: 0) }
            return values
        }
        let variants = [
            RandomStream(seed: 1, stream: 0), RandomStream(seed: 2, stream: 0), RandomStream(seed: 1 << 32, stream: 0),
            RandomStream(seed: 1, stream: 1), RandomStream(seed: 1, stream: 1 << 32),
            RandomStream(seed: 1, purpose: "noise", id: 0), RandomStream(seed: 1, purpose: "noise", id: 1),
            RandomStream(seed: 1, purpose: "timestep", id: 0),
        ]
        let all = variants.map(words)
        for a in 0..<all.count {
            for b in (a + 1)..<all.count {
                // Independent 32-bit words agree with probability 2^-32 each.
                let equal = zip(all[a], all[b]).filter { $0 == $1 }.count
                #expect(equal <= 2, "variants \(a) and \(b) share \(equal) of \(count) words")
            }
        }
        // A shifted range of the same stream is not the same sequence either.
        let shifted = RandomStream(seed: 1, stream: 0).normalFloats(count: count, startingAt: 1)
        let base = RandomStream(seed: 1, stream: 0).normalFloats(count: count, startingAt: 0)
        #expect(zip(shifted, base).filter { $0 == $1 }.count <= 2)
    }

    @Test func purposeStreamsAreStableAndDistinct() {
        let noise = (0..<1000).map { RandomStream.streamNumber(purpose: "noise", id: UInt64($0)) }
        #expect(Set(noise).count == 1000)
        #expect(RandomStream.streamNumber(purpose: "noise", id: 0) != RandomStream.streamNumber(purpose: "noisf", id: 0))
        #expect(RandomStream(seed: 3, purpose: "noise", id: 9).seed == 3)
    }
}
