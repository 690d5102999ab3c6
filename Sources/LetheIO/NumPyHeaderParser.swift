/// Reads the Python dict literal of a `.npy` header: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
/// with single or double quotes, any key order, optional trailing commas and whitespace.
struct NumPyHeaderParser {
    private let characters: [Character]
    private var position = 0
    private let source: String

    init(text: String, source: String) {
        characters = Array(text)
        self.source = source
    }

    mutating func parseDictionary() throws(NumPyError) -> NumPyHeader {
        var descriptor: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        try expect("{")
        while true {
            skipWhitespace()
            if peek() == "}" { position += 1; break }
            let key = try parseString()
            try expect(":")
            skipWhitespace()
            switch key {
            case "descr": descriptor = try parseString()
            case "fortran_order": fortranOrder = try parseBool()
            case "shape": shape = try parseShape()
            default: throw invalid("unexpected key '\(key)' in the header")
            }
            skipWhitespace()
            if peek() == "," { position += 1 } else if peek() != "}" { throw invalid("expected ',' or '}'") }
        }
        skipWhitespace()
        guard position == characters.count else { throw invalid("unexpected text after the header dict") }
        guard let descriptor, let fortranOrder, let shape else {
            throw invalid("the header dict needs the keys 'descr', 'fortran_order' and 'shape'")
        }
        return NumPyHeader(descriptor: descriptor, fortranOrder: fortranOrder, shape: shape)
    }

    private func invalid(_ detail: String) -> NumPyError {
        .invalidHeader(source: source, detail: "\(detail) at character \(position) of the header")
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }

    private mutating func skipWhitespace() {
        while let character = peek(), character.isWhitespace { position += 1 }
    }

    private mutating func expect(_ character: Character) throws(NumPyError) {
        skipWhitespace()
        guard peek() == character else { throw invalid("expected '\(character)'") }
        position += 1
    }

    private mutating func parseString() throws(NumPyError) -> String {
        skipWhitespace()
        guard let quote = peek(), quote == "'" || quote == "\"" else { throw invalid("expected a quoted string") }
        position += 1
        var value = ""
        while let character = peek(), character != quote {
            value.append(character)
            position += 1
        }
        guard peek() == quote else { throw invalid("unterminated string") }
        position += 1
        return value
    }

    private mutating func parseBool() throws(NumPyError) -> Bool {
        for (word, value) in [("True", true), ("False", false)] where matches(word) {
            position += word.count
            return value
        }
        throw invalid("expected True or False")
    }

    private func matches(_ word: String) -> Bool {
        let end = position + word.count
        return end <= characters.count && String(characters[position..<end]) == word
    }

    private mutating func parseShape() throws(NumPyError) -> [Int] {
        try expect("(")
        var shape: [Int] = []
        while true {
            skipWhitespace()
            if peek() == ")" { position += 1; return shape }
            var digits = ""
            while let character = peek(), character.isASCII, character.isNumber {
                digits.append(character)
                position += 1
            }
            if peek() == "L" { position += 1 } // Python 2 long literals
            guard let value = Int(digits) else { throw invalid("expected a non-negative integer dimension") }
            shape.append(value)
            skipWhitespace()
            if peek() == "," { position += 1 } else if peek() != ")" { throw invalid("expected ',' or ')'") }
        }
    }
}
