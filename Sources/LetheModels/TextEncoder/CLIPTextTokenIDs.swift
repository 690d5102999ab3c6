/// A batch of token id sequences of one length, row-major: what CLIPTextModel takes as `input_ids`.
public struct CLIPTextTokenIDs: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// batch × length ids, row-major.
    public let values: [Int]

    /// Rows of equal, non-zero length (Int, Int32, Int64... as a tokenizer hands them out).
    public init<ID: BinaryInteger>(_ rows: [[ID]]) throws {
        guard let first = rows.first, !first.isEmpty else { throw CLIPTextModelError.emptyInput(argument: "input_ids") }
        var values: [Int] = []
        values.reserveCapacity(rows.count * first.count)
        for (index, row) in rows.enumerated() {
            guard row.count == first.count else {
                throw CLIPTextModelError.raggedInput(argument: "input_ids", row: index, length: row.count,
                                                     expected: first.count)
            }
            values.append(contentsOf: row.map { Int(clamping: $0) })
        }
        self.batch = rows.count
        self.length = first.count
        self.values = values
    }

    /// `batch` × `length` ids given row-major (such as a safetensors [batch, length] integer tensor).
    public init<ID: BinaryInteger>(batch: Int, length: Int, values: [ID]) throws {
        guard batch > 0, length > 0 else { throw CLIPTextModelError.emptyInput(argument: "input_ids") }
        guard values.count == batch * length else {
            throw CLIPTextModelError.wrongShape(argument: "input_ids", expected: [batch, length], found: [values.count])
        }
        self.batch = batch
        self.length = length
        self.values = values.map { Int(clamping: $0) }
    }

    /// The ids of one sequence.
    public func row(_ index: Int) -> ArraySlice<Int> { values[(index * length)..<((index + 1) * length)] }
}
