extension BytePairEncoding {
    /// Text compared scalar for scalar.
    ///
    /// Swift's `String` equality is canonical equivalence ("é" equals "e" + U+0301), while Python, and so Hugging
    /// Face, compares code points. Token tables keyed by this type behave like Python dictionaries.
    struct ExactText: Hashable, Sendable {
        let text: String

        init(_ text: String) {
            self.text = text
        }

        init(_ scalars: some Sequence<Unicode.Scalar>) {
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            self.text = text
        }

        static func == (lhs: ExactText, rhs: ExactText) -> Bool {
            var left = lhs.text
            var right = rhs.text
            return left.withUTF8 { leftBytes in
                right.withUTF8 { rightBytes in leftBytes.elementsEqual(rightBytes) }
            }
        }

        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
