import Foundation

extension RandomStream {
    /// Words generated per chunk: small enough to stay in L1, a multiple of 4 so Double and pair chunks align.
    static let chunkWords = 1024

    /// Writes words `start ..< start + buffer.count` of the stream.
    public func fill(bits buffer: UnsafeMutableBufferPointer<UInt32>, startingAt start: UInt64) {
        guard let base = buffer.baseAddress else { return }
        writeWords(to: base, count: buffer.count, startingAt: start)
    }

    /// Writes `uniformFloat(at:)` for indices `start ..< start + buffer.count`.
    public func fill(uniform buffer: UnsafeMutableBufferPointer<Float>, startingAt start: UInt64) {
        guard let base = buffer.baseAddress else { return }
        forEachWordChunk(count: buffer.count, startingAt: start) { words, offset, count in
            let destination = base + offset
            for index in 0..<count { destination[index] = RandomStream.unitFloat(words[index]) }
        }
    }

    /// Writes `uniformDouble(at:)` for indices `start ..< start + buffer.count`.
    public func fill(uniform buffer: UnsafeMutableBufferPointer<Double>, startingAt start: UInt64) {
        guard let base = buffer.baseAddress else { return }
        // Double `i` is words 2i (low) and 2i+1 (high).
        forEachWordChunk(count: 2 * buffer.count, startingAt: start &* 2) { words, offset, count in
            let destination = base + offset / 2
            for index in 0..<count / 2 {
                let bits = UInt64(words[2 * index + 1]) << 32 | UInt64(words[2 * index])
                destination[index] = RandomStream.unitDouble(bits)
            }
        }
    }

    /// Writes `normalFloat(at:)` for indices `start ..< start + buffer.count`.
    public func fill(normal buffer: UnsafeMutableBufferPointer<Float>, startingAt start: UInt64) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // Box–Muller pairs start at even indices; a ragged first or last index is computed on its own.
        let head = Int(start & 1)
        if head == 1 { base[0] = normalFloat(at: start) }
        let pairs = (buffer.count - head) / 2
        let pairBase = base + head
        forEachWordChunk(count: 2 * pairs, startingAt: start &+ UInt64(head)) { words, offset, count in
            let destination = pairBase + offset
            for pair in 0..<count / 2 {
                let (cosine, sine) = RandomStream.boxMuller32(words[2 * pair], words[2 * pair + 1])
                destination[2 * pair] = cosine
                destination[2 * pair + 1] = sine
            }
        }
        let last = buffer.count - 1
        if head + 2 * pairs == last { base[last] = normalFloat(at: start &+ UInt64(last)) }
    }

    /// Writes `normalDouble(at:)` for indices `start ..< start + buffer.count`.
    public func fill(normal buffer: UnsafeMutableBufferPointer<Double>, startingAt start: UInt64) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let head = Int(start & 1)
        if head == 1 { base[0] = normalDouble(at: start) }
        let pairs = (buffer.count - head) / 2
        let pairBase = base + head
        // Normals 2p and 2p+1 come from block p, i.e. words 4p ..< 4p+4.
        forEachWordChunk(count: 4 * pairs, startingAt: (start &+ UInt64(head)) &* 2) { words, offset, count in
            let destination = pairBase + offset / 2
            for pair in 0..<count / 4 {
                let block = SIMD4(words[4 * pair], words[4 * pair + 1], words[4 * pair + 2], words[4 * pair + 3])
                let (cosine, sine) = RandomStream.boxMuller64(block)
                destination[2 * pair] = cosine
                destination[2 * pair + 1] = sine
            }
        }
        let last = buffer.count - 1
        if head + 2 * pairs == last { base[last] = normalDouble(at: start &+ UInt64(last)) }
    }

    /// Generates words `start ..< start + count` into a small scratch buffer, one chunk at a time, and hands each
    /// chunk to `body` with its offset from `start`. Chunk offsets and counts are multiples of 4 except the last count.
    @inline(__always)
    func forEachWordChunk(
        count: Int, startingAt start: UInt64, _ body: (UnsafePointer<UInt32>, _ offset: Int, _ count: Int) -> Void
    ) {
        guard count > 0 else { return }
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: RandomStream.chunkWords)
        defer { scratch.deallocate() }
        var offset = 0
        while offset < count {
            let chunk = min(RandomStream.chunkWords, count - offset)
            writeWords(to: scratch, count: chunk, startingAt: start &+ UInt64(offset))
            body(scratch, offset, chunk)
            offset += chunk
        }
    }

    /// Writes words `start ..< start + count`: a scalar head up to a block boundary, four blocks at a time in
    /// SIMD lanes, then a scalar tail.
    func writeWords(to destination: UnsafeMutablePointer<UInt32>, count: Int, startingAt start: UInt64) {
        var written = 0
        var wordIndex = start
        let key = self.key
        let streamLow = SIMD4<UInt32>(repeating: UInt32(truncatingIfNeeded: stream))
        let streamHigh = SIMD4<UInt32>(repeating: UInt32(truncatingIfNeeded: stream >> 32))

        // Head: finish the block that `start` falls in.
        while written < count && wordIndex & 3 != 0 {
            destination[written] = bits(at: wordIndex)
            written += 1
            wordIndex &+= 1
        }
        // Body: 16 words (four blocks) per step.
        let laneOffsets = SIMD4<UInt64>(0, 1, 2, 3)
        while count - written >= 16 {
            let blocks = SIMD4<UInt64>(repeating: wordIndex >> 2) &+ laneOffsets
            let (x0, x1, x2, x3) = Philox4x32.blocks(
                word0: SIMD4(truncatingIfNeeded: blocks), word1: SIMD4(truncatingIfNeeded: blocks &>> 32),
                word2: streamLow, word3: streamHigh, key: key)
            let out = destination + written
            for lane in 0..<4 {
                out[4 * lane] = x0[lane]
                out[4 * lane + 1] = x1[lane]
                out[4 * lane + 2] = x2[lane]
                out[4 * lane + 3] = x3[lane]
            }
            written += 16
            wordIndex &+= 16
        }
        // Tail: whole blocks, then the start of a last partial block.
        while written < count {
            let words = block(wordIndex >> 2)
            let take = min(4, count - written)
            for lane in 0..<take { destination[written + lane] = words[lane] }
            written += take
            wordIndex &+= UInt64(take)
        }
    }
}
