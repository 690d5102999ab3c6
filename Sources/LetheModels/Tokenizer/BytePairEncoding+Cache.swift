import Foundation

extension BytePairEncoding {
    /// A thread-safe memo of encoded words (Hugging Face keeps one too). Bounded: it is emptied when full, so a
    /// long-running process that sees endless distinct words does not grow without limit.
    final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries = [[UInt8]: [Int32]]()
        private let capacity: Int

        init(capacity: Int = 50_000) {
            self.capacity = capacity
        }

        func lookup(_ word: [UInt8]) -> [Int32]? {
            lock.lock()
            defer { lock.unlock() }
            return entries[word]
        }

        func store(_ symbols: [Int32], for word: [UInt8]) {
            lock.lock()
            defer { lock.unlock() }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[word] = symbols
        }
    }
}
