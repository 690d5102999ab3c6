import LetheDistributed

/// Counts passed and failed checks on this rank and prints one line per failure.
final class CheckRecorder {
    let rank: Int
    private(set) var passed = 0
    private(set) var failed = 0

    init(rank: Int) {
        self.rank = rank
    }

    func expect<T: Equatable>(_ check: String, expected: T, got: T) {
        if expected == got {
            passed += 1
        } else {
            fail(check, "expected \(expected), got \(got)")
        }
    }

    func expect<T: Equatable>(_ check: String, expected: [T], got: [T]) {
        if expected == got {
            passed += 1
            return
        }
        guard expected.count == got.count else {
            fail(check, "expected \(expected.count) elements, got \(got.count): expected \(expected.prefix(12)), got \(got.prefix(12))")
            return
        }
        let index = expected.indices.first { expected[$0] != got[$0] } ?? 0
        fail(check, "first difference at index \(index): expected \(expected[index]), got \(got[index])")
    }

    /// Expects `body` to throw a `CommunicatorError` accepted by `matches`.
    func expectError(
        _ check: String, _ expected: String, matches: (CommunicatorError) -> Bool, _ body: () throws -> Void
    ) {
        do {
            try body()
            fail(check, "expected \(expected), got no error")
        } catch let error as CommunicatorError where matches(error) {
            passed += 1
        } catch {
            fail(check, "expected \(expected), got \(error)")
        }
    }

    func fail(_ check: String, _ detail: String) {
        failed += 1
        print("FAIL rank \(rank): \(check): \(detail)")
    }
}
