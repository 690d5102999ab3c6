extension Array where Element == String {
    /// Sorted by UTF-8 bytes, which is code point order, as Rust and Python sort strings.
    func sortedByUTF8() -> [String] {
        sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
