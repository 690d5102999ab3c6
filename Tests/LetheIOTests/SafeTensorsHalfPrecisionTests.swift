import Foundation
import LetheIO
import LetheTestSupport
import Testing

/// Deterministic pseudo-random bits (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("F16 and BF16 conversion")
struct SafeTensorsHalfPrecisionTests {
    /// The IEEE binary16 value of a bit pattern by the textbook formula, in double precision (non-NaN only).
    static func formulaF16(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = Double(bits & 0x3FF)
        if exponent == 0x1F { return sign * .infinity }
        if exponent == 0 { return sign * mantissa * pow(2, -24) }
        return sign * (1 + mantissa / 1024) * pow(2, Double(exponent - 15))
    }

    @Test("all 65536 F16 patterns widen to the textbook value (NaN payloads kept as numpy keeps them)")
    func widenF16() {
        for raw in 0...UInt16.max {
            let value = HalfPrecision.float(fromF16: raw)
            if raw & 0x7C00 == 0x7C00 && raw & 0x03FF != 0 {
                let expected = UInt32(raw & 0x8000) << 16 | 0x7F80_0000 | UInt32(raw & 0x3FF) << 13
                #expect(value.bitPattern == expected, "NaN \(String(raw, radix: 16))")
            } else {
                let expected = Float(Self.formulaF16(raw))  // exact: every F16 value is a float32
                #expect(value.bitPattern == expected.bitPattern, "F16 \(String(raw, radix: 16))")
            }
        }
    }

    @Test("all 65536 F16 patterns survive widening then narrowing")
    func roundTripF16() {
        var failures: [UInt16] = []
        for raw in 0...UInt16.max where HalfPrecision.f16Bits(from: HalfPrecision.float(fromF16: raw)) != raw {
            failures.append(raw)
        }
        #expect(failures.count == 0, "first failures: \(failures.prefix(5))")
    }

    @Test("float32 → F16 rounds like the platform's correctly rounded Float16 conversion")
    func narrowF16MatchesFloat16() {
        var candidates: [Float] = []
        // Every F16 value, the midpoints to its upper neighbour (ties) and one float32 ulp either side of them.
        for raw in UInt16(0)..<0x7C00 {
            let low = Double(HalfPrecision.float(fromF16: raw))
            let high = raw == 0x7BFF ? 65536.0 : Double(HalfPrecision.float(fromF16: raw + 1))
            let middle = Float((low + high) / 2)
            for value in [Float(low), middle, middle.nextUp, middle.nextDown] {
                candidates += [value, -value]
            }
        }
        var generator = SplitMix64(state: 0x1234)
        for _ in 0..<200_000 { candidates.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))) }
        candidates += [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 0, -0.0, 65520, 65519.996]

        var mismatches: [Float] = []
        for value in candidates where !value.isNaN {
            if HalfPrecision.f16Bits(from: value) != Float16(value).bitPattern { mismatches.append(value) }
        }
        #expect(mismatches.count == 0, "first mismatches: \(mismatches.prefix(5).map { String($0.bitPattern, radix: 16) })")
    }

    @Test("float32 NaN → F16 keeps sign and top payload bits (values numpy gives)")
    func narrowF16NaN() {
        // Each pair: float32 NaN bits → numpy's float16 bits.
        let cases: [(UInt32, UInt16)] = [(0x7FC0_0000, 0x7E00), (0xFFC0_0000, 0xFE00), (0x7F80_2000, 0x7C01),
                                         (0x7F80_0001, 0x7C01), (0x7FFF_FFFF, 0x7FFF), (0xFF81_2345, 0xFC09)]
        for (input, expected) in cases {
            #expect(HalfPrecision.f16Bits(from: Float(bitPattern: input)) == expected, "\(String(input, radix: 16))")
        }
    }

    @Test("all 65536 BF16 patterns widen to the upper half of a float32 and survive narrowing")
    func roundTripBF16() {
        for raw in 0...UInt16.max {
            let value = HalfPrecision.float(fromBF16: raw)
            #expect(value.bitPattern == UInt32(raw) << 16)
            #expect(HalfPrecision.bf16Bits(from: value) == raw, "BF16 \(String(raw, radix: 16))")
        }
    }

    /// The BF16 pattern nearest to `value` by comparing distances to both neighbours in double precision.
    static func nearestBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isInfinite { return UInt16(bits >> 16) }
        let toward = bits & 0xFFFF_0000
        let away = toward + 0x0001_0000
        func magnitude(_ pattern: UInt32) -> Double {
            // Past the largest finite value the next "neighbour" is 2^128, the overflow threshold's reference.
            pattern & 0x7F80_0000 == 0x7F80_0000 ? 0x1p128 : Double(Float(bitPattern: pattern).magnitude)
        }
        let x = Double(value.magnitude)
        let below = x - magnitude(toward)
        let above = magnitude(away) - x
        if below < above || (below == above && (toward >> 16) & 1 == 0) { return UInt16(toward >> 16) }
        return UInt16(truncatingIfNeeded: away >> 16)
    }

    @Test("float32 → BF16 rounds to the nearer neighbour, ties to even")
    func narrowBF16() {
        var generator = SplitMix64(state: 0xBF16)
        var candidates: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, 0, -0.0,
                                   Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x7F7F_8000)]
        for _ in 0..<300_000 { candidates.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))) }
        // Exact ties: every pattern ending in 0x8000.
        for _ in 0..<10_000 { candidates.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0xFFFF_0000 | 0x8000)) }
        var mismatches: [Float] = []
        for value in candidates where !value.isNaN && HalfPrecision.bf16Bits(from: value) != Self.nearestBF16(value) {
            mismatches.append(value)
        }
        #expect(mismatches.count == 0, "first mismatches: \(mismatches.prefix(5).map { String($0.bitPattern, radix: 16) })")
    }

    @Test("float32 NaN → BF16 stays NaN with its sign")
    func narrowBF16NaN() {
        let cases: [(UInt32, UInt16)] = [(0x7FC0_0000, 0x7FC0), (0xFFC0_0000, 0xFFC0), (0x7F80_0001, 0x7FC0),
                                         (0x7F81_2345, 0x7F81), (0xFFFF_FFFF, 0xFFFF)]
        for (input, expected) in cases {
            #expect(HalfPrecision.bf16Bits(from: Float(bitPattern: input)) == expected, "\(String(input, radix: 16))")
        }
    }

    @Test("narrowing the conversion fixture reproduces torch's F16 and BF16 bytes")
    func matchesTorch() throws {
        let file = try SafeTensorsFile.open(Fixture.resource("safetensors/conversion.safetensors", in: .module))
        let source = try file.tensor(named: "source").toArray()
        var f16 = [UInt8](repeating: 0, count: source.count * 2)
        var bf16 = f16
        source.withUnsafeBufferPointer { input in
            f16.withUnsafeMutableBytes { HalfPrecision.encodeF16(input.baseAddress!, count: input.count, into: $0.baseAddress!) }
            bf16.withUnsafeMutableBytes { HalfPrecision.encodeBF16(input.baseAddress!, count: input.count, into: $0.baseAddress!) }
        }
        #expect(f16 == (try file.rawBytes(named: "as_f16")))
        #expect(bf16 == (try file.rawBytes(named: "as_bf16")))
    }
}
