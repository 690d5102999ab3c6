import LetheTensor
import Testing

@Suite("Resource bounds")
struct ResourceBoundsTests {
    @Test func productsOverflowToNil() {
        #expect(ResourceBounds.product([]) == 1)
        #expect(ResourceBounds.product([512, 512, 3]) == 786_432)
        #expect(ResourceBounds.product([4_000_000_000_000_000_000, 4]) == nil)
        #expect(ResourceBounds.product([Int.max, 1]) == Int.max)
        #expect(ResourceBounds.product([Int.max / 2 + 1, 2]) == nil)
        #expect(ResourceBounds.product([100_000_000_000, 512, 512, 3]) == 78_643_200_000_000_000)
        #expect(ResourceBounds.product([100_000_000_000, 512, 512, 3, 128]) == nil)
        #expect(ResourceBounds.product([-1, 3]) == nil)
        #expect(ResourceBounds.product([0, Int.max]) == 0)
    }

    @Test func sumsOverflowToNil() {
        #expect(ResourceBounds.sum([1, 2, 3]) == 6)
        #expect(ResourceBounds.sum([Int.max, 1]) == nil)
        #expect(ResourceBounds.sum([1, nil]) == nil)
        #expect(ResourceBounds.sum([-1]) == nil)
    }

    @Test func rangeErrorsNameTheSettingAndTheLimit() throws {
        try ResourceBounds.check(.height, 512, in: 1...16_384)
        #expect(throws: ResourceError.outOfRange(setting: .height, value: "4000000000000000000", minimum: 1, maximum: 16_384,
                                                 unit: "pixels")) {
            try ResourceBounds.check(.height, 4_000_000_000_000_000_000, in: 1...16_384, unit: "pixels")
        }
        let error = ResourceError.outOfRange(setting: .width, value: "2147483648", minimum: 1, maximum: 16_384, unit: "pixels")
        #expect(error.description == "`width` is 2147483648; it must be between 1 and 16384 pixels.")
    }

    @Test func memoryEstimatesAreComparedWithWhatIsAvailable() throws {
        let gib = 1 << 30
        try MemoryEstimate(request: "small", bytes: gib, advice: "lower it").check(available: 2 * gib)
        try MemoryEstimate(request: "unknown machine", bytes: Int.max, advice: "lower it").check(available: nil)
        #expect(throws: ResourceError.exceedsMemory(request: "big", bytes: 3 * gib, available: 2 * gib, advice: "lower it")) {
            try MemoryEstimate(request: "big", bytes: 3 * gib, advice: "lower it").check(available: 2 * gib)
        }
        // An estimate beyond an Int is refused whatever the machine.
        #expect(throws: ResourceError.self) {
            try MemoryEstimate(request: "huge", bytes: nil, advice: "lower it").check(available: nil)
        }
        let message = ResourceError.exceedsMemory(request: "Generating 4 images", bytes: 3 * gib, available: 2 * gib,
                                                  advice: "lower --num-images").description
        #expect(message == "Generating 4 images needs at least 3.0 GiB of memory (estimated), but the machine has 2.0 GiB available; lower --num-images.")
        #expect(ResourceError.exceedsMemory(request: "R", bytes: nil, available: nil, advice: "a").description
            == "R needs more than 8 EiB of memory (estimated); a.")
    }

    @Test func availableMemoryIsReadFromTheSystem() throws {
        let available = try #require(ResourceBounds.availableMemory())
        #expect(available > 0)
        #expect(ResourceBounds.meminfoAvailable("MemTotal:  100 kB\nMemAvailable:    2048 kB\n") == 2 << 20)
        #expect(ResourceBounds.meminfoAvailable("MemTotal:  100 kB\n") == nil)
    }

    @Test func bytesAreFormattedInBinaryUnits() {
        #expect(ResourceBounds.formatBytes(512) == "512 B")
        #expect(ResourceBounds.formatBytes(3 << 29) == "1.5 GiB")
        #expect(ResourceBounds.formatBytes(nil) == "more than 8 EiB")
    }

    @Test func messagesNameTheLibrarySettingNotAFlag() {
        // The library never spells a front end's flags; without a front end's names a setting reads as itself.
        #expect(Setting.allCases.allSatisfy { $0.description == "`\($0.rawValue)`" })
        #expect(Set(Setting.allCases.map(\.rawValue)).count == Setting.allCases.count)
    }
}
