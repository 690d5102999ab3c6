extension UNet2DConditionConfiguration {
    /// A config value diffusers accepts either once for every block (`8`) or per block (`[5, 10, 20, 20]`).
    public enum OneOrMany<Element: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
        case one(Element)
        case many([Element])

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([Element].self) {
                self = .many(list)
            } else {
                self = .one(try container.decode(Element.self))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .one(let value): try container.encode(value)
            case .many(let list): try container.encode(list)
            }
        }

        /// The value of each of `count` blocks (a list is returned as is; its length is checked by validation).
        public func values(count: Int) -> [Element] {
            switch self {
            case .one(let value): return Array(repeating: value, count: count)
            case .many(let list): return list
            }
        }

        /// How the value reads in config.json, for messages.
        var jsonText: String {
            switch self {
            case .one(let value): return "\(value)"
            case .many(let list): return "[\(list.map { "\($0)" }.joined(separator: ", "))]"
            }
        }
    }
}
