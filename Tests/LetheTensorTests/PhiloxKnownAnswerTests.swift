import Testing
import LetheTensor

/// Philox4x32-10 against Random123's published known answers (tests/kat_vectors, the three "philox4x32 10" lines)
/// and RandomStream against an independent Python evaluation (Scripts/reference/philox_reference.py).
@Suite struct PhiloxKnownAnswerTests {
    static let random123Vectors: [(counter: SIMD4<UInt32>, key: SIMD2<UInt32>, expected: SIMD4<UInt32>)] = [
        (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8)),
        (SIMD4(repeating: 0xFFFF_FFFF), SIMD2(repeating: 0xFFFF_FFFF),
         SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD)),
        (SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), SIMD2(0xA409_3822, 0x299F_31D0),
         SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1)),
    ]

    @Test(arguments: 0..<3)
    func scalarBlockMatchesRandom123(vector: Int) {
        let (counter, key, expected) = Self.random123Vectors[vector]
        #expect(Philox4x32.block(counter: counter, key: key) == expected)
    }

    @Test func lanewiseBlocksMatchRandom123() {
        let vectors = Self.random123Vectors
        // Lanes 0–2 hold the three vectors, lane 3 repeats the first; the key is per call, so run once per key.
        for (keyIndex, vector) in vectors.enumerated() {
            let counters = [vectors[0].counter, vectors[1].counter, vectors[2].counter, vector.counter]
            let (x0, x1, x2, x3) = Philox4x32.blocks(
                word0: SIMD4(counters.map { $0[0] }), word1: SIMD4(counters.map { $0[1] }),
                word2: SIMD4(counters.map { $0[2] }), word3: SIMD4(counters.map { $0[3] }), key: vector.key)
            #expect(SIMD4(x0[3], x1[3], x2[3], x3[3]) == vector.expected, "lane 3, vector \(keyIndex)")
            for lane in 0..<3 {
                let scalar = Philox4x32.block(counter: counters[lane], key: vector.key)
                #expect(SIMD4(x0[lane], x1[lane], x2[lane], x3[lane]) == scalar, "lane \(lane), key \(keyIndex)")
            }
        }
    }

    @Test func streamKeyAndCounterLayoutMatchTheDocumentation() {
        // Block 0 of (seed 0, stream 0) is the all-zero Random123 vector; the all-ones vector is block 2^64-1 of
        // stream 2^64-1 under seed 2^64-1.
        let zero = RandomStream(seed: 0, stream: 0)
        #expect(zero.block(0) == Self.random123Vectors[0].expected)
        let ones = RandomStream(seed: .max, stream: .max)
        #expect(ones.block(.max) == Self.random123Vectors[1].expected)
        let pi = RandomStream(seed: 0x299F_31D0_A409_3822, stream: 0x0370_7344_1319_8A2E)
        #expect(pi.block(0x85A3_08D3_243F_6A88) == Self.random123Vectors[2].expected)
    }

    @Test(arguments: PhiloxReferenceValues.streams.indices)
    func streamMatchesPythonReference(streamIndex: Int) {
        let reference = PhiloxReferenceValues.streams[streamIndex]
        let stream = RandomStream(seed: reference.seed, stream: reference.stream)
        for (index, value) in reference.bits {
            #expect(stream.bits(at: index) == value, "\(reference.name) bits[\(index)]")
        }
        // Uniform conversions are exact arithmetic: bit-identical.
        for (index, value) in reference.uniformFloats {
            #expect(stream.uniformFloat(at: index) == value, "\(reference.name) uniformFloat[\(index)]")
        }
        for (index, value) in reference.uniformDoubles {
            #expect(stream.uniformDouble(at: index) == value, "\(reference.name) uniformDouble[\(index)]")
        }
        // Box–Muller goes through libm; allow a couple of ulps for a different log/sin/cos.
        for (index, value) in reference.normalFloats {
            let found = stream.normalFloat(at: index)
            #expect(abs(found - value) <= 2 * value.ulp, "\(reference.name) normalFloat[\(index)]: \(found) vs \(value)")
        }
        for (index, value) in reference.normalDoubles {
            let found = stream.normalDouble(at: index)
            #expect(abs(found - value) <= 1e-14 * max(1, abs(value)),
                    "\(reference.name) normalDouble[\(index)]: \(found) vs \(value)")
        }
    }

    @Test func purposeStreamNumbersMatchPythonReference() {
        for (purpose, id, expected) in PhiloxReferenceValues.streamNumbers {
            #expect(RandomStream.streamNumber(purpose: purpose, id: id) == expected, "\(purpose)/\(id)")
            #expect(RandomStream(seed: 7, purpose: purpose, id: id) == RandomStream(seed: 7, stream: expected))
        }
    }
}
