import Testing
import LetheTensor

/// Properties of TorchGenerator that follow from torch's code paths (aten/src/ATen/CPUGeneratorImpl.cpp,
/// native/cpu/DistributionTemplates.h), checked through the public API.
@Suite struct TorchGeneratorBehaviourTests {
    @Test func random64IsTwoWordsHighFirst() {
        var generator = TorchGenerator(seed: 7)
        var engine = MersenneTwister(seed: 7)
        let high = UInt64(engine.next()), low = UInt64(engine.next())
        #expect(generator.random64() == high << 32 | low)
    }

    @Test func randUsesTheLow24BitsOfOneWord() {
        var generator = TorchGenerator(seed: 99)
        var engine = MersenneTwister(seed: 99)
        let expected = (0..<40).map { _ in Float(engine.next() & 0xFF_FFFF) / 16_777_216 }
        #expect(generator.rand(count: 40) == expected)
    }

    @Test(arguments: [0, 1, 5, 15, 16, 17, 40, 48])
    func fillPathConsumesCountPlus16WordsUnlessAMultipleOf16(count: Int) {
        // ≥ 16 normals: one word per element, plus 16 for the recomputed tail when count % 16 ≠ 0.
        // < 16: two random64 (four words) per Box–Muller pair, a pair serving two elements through the cache.
        var generator = TorchGenerator(seed: 3)
        _ = generator.randn(count: count)
        let words: Int
        if count >= 16 {
            words = count + (count % 16 == 0 ? 0 : 16)
        } else {
            words = 4 * ((count + 1) / 2)
        }
        var engine = MersenneTwister(seed: 3)
        for _ in 0..<words { _ = engine.next() }
        #expect(generator.random32() == engine.next())
        #expect((generator.cachedNormalSample != nil) == (count < 16 && count % 2 == 1))
    }

    @Test func shapedAndCountedDrawsAgree() {
        for kernel in TorchGenerator.NormalKernel.allCases {
            var shaped = TorchGenerator(seed: 11, normalKernel: kernel)
            var counted = TorchGenerator(seed: 11, normalKernel: kernel)
            let tensor = shaped.randn(shape: [2, 3, 5])
            #expect(tensor.shape == [2, 3, 5])
            #expect(tensor.toArray() == counted.randn(count: 30))
            #expect(shaped.rand(shape: [3]).toArray() == counted.rand(count: 3))
        }
    }

    @Test func kernelsAgreeClosely() {
        // Both builds approximate the same Box–Muller transform of the same uniforms.
        var avx2 = TorchGenerator(seed: 5, normalKernel: .avx2)
        var scalar = TorchGenerator(seed: 5, normalKernel: .scalar)
        let a = avx2.randn(count: 4096), b = scalar.randn(count: 4096)
        // Absolute near zero (the Cephes reduction's error is absolute in the angle), relative beyond 1.
        let worst = zip(a, b).map { abs(Double($0) - Double($1)) / max(abs(Double($1)), 1) }.max() ?? 0
        #expect(worst < 1e-5)
        #expect(a != b)  // they are different kernels; identical output would mean one is not used
    }

    @Test func normalsLookStandard() {
        var generator = TorchGenerator(seed: 1234)
        let values = generator.randn(count: 1 << 16).map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func randintRejectsEmptyRangesAndNegativeCounts() {
        var generator = TorchGenerator(seed: 0)
        #expect(throws: TorchGeneratorError.emptyRange(low: 3, high: 3)) {
            try generator.randint(low: 3, high: 3, count: 1)
        }
        #expect(throws: TorchGeneratorError.negativeCount(-1)) {
            try generator.randint(low: 0, high: 3, count: -1)
        }
        let message = TorchGeneratorError.emptyRange(low: 5, high: 2).description
        #expect(message.contains("low = 5") && message.contains("high = 2"))
    }

    @Test func randintStaysInRange() throws {
        var generator = TorchGenerator(seed: 8)
        let values = try generator.randint(low: -3, high: 4, count: 500)
        #expect(values.allSatisfy { (-3..<4).contains($0) })
        #expect(Set(values).count == 7)
    }
}
