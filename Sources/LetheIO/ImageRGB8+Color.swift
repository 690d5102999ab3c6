extension ImageRGB8 {
    /// One pixel's colour, for the drawing operations (filling, text).
    public struct Color: Sendable, Equatable, Hashable {
        public var red: UInt8
        public var green: UInt8
        public var blue: UInt8

        public init(red: UInt8, green: UInt8, blue: UInt8) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        /// A grey with all three channels at `level`.
        public init(gray level: UInt8) {
            self.init(red: level, green: level, blue: level)
        }

        public static let black = Color(gray: 0)
        public static let white = Color(gray: 255)
    }
}
