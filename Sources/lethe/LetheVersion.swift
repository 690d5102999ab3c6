/// Versions reported by `lethe --version` and `lethe info`.
enum LetheVersion {
    static let current = "0.1.0"

    /// The Swift compiler this binary was built with (known only at compile time).
    static var swiftCompiler: String {
        #if compiler(>=6.4)
        return "6.4 or newer"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }
}
