import Testing
import LetheTensor

/// TorchGenerator against torch itself (Scripts/reference/make_torch_generator_fixtures.py): sequences of randn,
/// rand and randint on one generator, for each build of torch's normal kernel.
@Suite struct TorchGeneratorReferenceTests {
    /// Whether the C math library is glibc, which the reference torch called: then libm-dependent values
    /// (draws of fewer than 16 normals; the scalar kernel) must match bit for bit too.
    static let libmIsGlibc: Bool = {
        #if os(Linux) && canImport(Glibc)
        return true
        #else
        return false
        #endif
    }()
    /// Bound for libm-dependent values under another libm: logf, sinf/cosf each within 1 ulp of glibc, composed.
    static let otherLibmUlps: UInt32 = 4

    @Test(arguments: TorchGeneratorReferenceValues.avx2Sequences.indices)
    func avx2KernelMatchesTorch(sequence: Int) {
        check(TorchGeneratorReferenceValues.avx2Sequences[sequence], kernel: .avx2)
    }

    @Test(arguments: TorchGeneratorReferenceValues.scalarSequences.indices)
    func scalarKernelMatchesTorch(sequence: Int) {
        check(TorchGeneratorReferenceValues.scalarSequences[sequence], kernel: .scalar)
    }

    func check(_ reference: TorchSequenceReference, kernel: TorchGenerator.NormalKernel) {
        var generator = TorchGenerator(seed: reference.seed, normalKernel: kernel)
        #expect(generator.seed == reference.seed)
        for (position, draw) in reference.draws.enumerated() {
            let label = "\(reference.name) draw \(position) \(draw.operation)"
            switch draw.operation {
            case let .randn(shape):
                let tensor = generator.randn(shape: shape)
                #expect(tensor.shape == shape, "\(label)")
                let values = tensor.toArray()
                // Pure float arithmetic (uniforms + AVX2 polynomials) is exact everywhere; libm calls only on glibc.
                let exact = (kernel == .avx2 && values.count >= 16) || Self.libmIsGlibc
                compareFloats(values, draw, exact: exact, label: label)
            case let .rand(shape):
                let tensor = generator.rand(shape: shape)
                #expect(tensor.shape == shape, "\(label)")
                compareFloats(tensor.toArray(), draw, exact: true, label: label)
            case let .randint(low, high, count):
                guard let values = try? generator.randint(low: low, high: high, count: count) else {
                    Issue.record("\(label): randint threw for a valid range")
                    return
                }
                #expect(values.count == draw.count, "\(label)")
                #expect(fnv1a(values.map { UInt64(bitPattern: $0) }, bytesPerValue: 8) == draw.fnv1a, "\(label)")
                for (index, value) in draw.pairs {
                    #expect(values[index] == Int64(bitPattern: value), "\(label) [\(index)]")
                }
            }
            let cache = generator.cachedNormalSample
            #expect((cache == nil) == (draw.cachedNormalBits == nil), "\(label): cached normal presence")
            if let cache, let expected = draw.cachedNormalBits, Self.libmIsGlibc {
                #expect(cache.bitPattern == expected, "\(label): cached normal")
            }
        }
    }

    func compareFloats(_ values: [Float], _ draw: TorchDrawReference, exact: Bool, label: String) {
        #expect(values.count == draw.count, "\(label)")
        guard values.count == draw.count else { return }
        var worstUlps: UInt32 = 0
        for (index, value) in draw.pairs {
            let bits = UInt32(value)
            let ulps = ulpDistance(values[index].bitPattern, bits)
            worstUlps = max(worstUlps, ulps)
            if exact {
                #expect(values[index].bitPattern == bits,
                        "\(label) [\(index)]: \(values[index]) vs torch \(Float(bitPattern: bits))")
            }
        }
        if exact {
            #expect(fnv1a(values.map { UInt64($0.bitPattern) }, bytesPerValue: 4) == draw.fnv1a, "\(label): hash")
        } else {
            #expect(worstUlps <= Self.otherLibmUlps, "\(label): \(worstUlps) ulps from torch")
        }
        // The sum is a coarse cross-check of the elements the sample leaves out (order-dependent rounding only).
        let sum = values.reduce(0.0) { $0 + Double($1) }
        let perValue = exact ? 1e-9 : 1e-4
        let tolerance = perValue * Double(values.count)
        #expect(abs(sum - draw.sum) <= tolerance, "\(label): sum \(sum) vs torch \(draw.sum)")
    }
}

/// FNV-1a 64 over the low `bytesPerValue` bytes of each value, little-endian.
func fnv1a(_ values: [UInt64], bytesPerValue: Int) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for value in values {
        for byte in 0..<bytesPerValue {
            hash = (hash ^ (value >> (8 * UInt64(byte)) & 0xFF)) &* 0x0000_0100_0000_01B3
        }
    }
    return hash
}

/// Distance in representable floats between two finite float32 bit patterns.
func ulpDistance(_ a: UInt32, _ b: UInt32) -> UInt32 {
    func ordered(_ bits: UInt32) -> Int64 {
        bits & 0x8000_0000 == 0 ? Int64(bits) : -Int64(bits & 0x7FFF_FFFF)
    }
    return UInt32(clamping: abs(ordered(a) - ordered(b)))
}
