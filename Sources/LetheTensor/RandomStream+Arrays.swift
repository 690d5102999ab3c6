extension RandomStream {
    /// `count` standard normal Floats from index `start`.
    public func normalFloats(count: Int, startingAt start: UInt64 = 0) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            fill(normal: buffer, startingAt: start)
            initialized = count
        }
    }

    /// `count` uniform Floats in [0, 1) from index `start`.
    public func uniformFloats(count: Int, startingAt start: UInt64 = 0) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            fill(uniform: buffer, startingAt: start)
            initialized = count
        }
    }

    /// `count` standard normal Doubles from index `start`.
    public func normalDoubles(count: Int, startingAt start: UInt64 = 0) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            fill(normal: buffer, startingAt: start)
            initialized = count
        }
    }

    /// `count` uniform Doubles in [0, 1) from index `start`.
    public func uniformDoubles(count: Int, startingAt start: UInt64 = 0) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            fill(uniform: buffer, startingAt: start)
            initialized = count
        }
    }
}
