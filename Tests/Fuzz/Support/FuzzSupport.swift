import CLibFuzzer
import Foundation

/// What the fuzz targets share: splitting one input into several files, a scratch folder for the parsers that
/// only read files, and the plain-build driver that replays saved inputs.
public enum FuzzSupport {
    /// Splits `bytes` at NUL bytes into exactly `count` parts (missing parts are empty, the last part keeps any
    /// further NULs), so one fuzz input can carry several files. The text formats never contain NUL.
    public static func split(_ bytes: UnsafeRawBufferPointer, into count: Int) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var rest = bytes[...]
        while parts.count < count - 1, let separator = rest.firstIndex(of: 0) {
            parts.append(Array(rest[..<separator]))
            rest = rest[(separator + 1)...]
        }
        parts.append(Array(rest))
        while parts.count < count { parts.append([]) }
        return parts
    }

    /// The bytes after the first one (which the targets with several parsers read as the choice of parser).
    public static func body(_ data: UnsafePointer<UInt8>, _ size: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    }

    /// A folder of this process, created on first use and removed at exit (a crash leaves it behind, with the
    /// files of the crashing input, which helps).
    public static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lethe-fuzz-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: FuzzSupport.scratch) }
        return url
    }()

    /// Writes `bytes` to `name` in the scratch folder, or removes that file when `bytes` is nil, and returns its URL.
    @discardableResult
    public static func write<Bytes: Sequence<UInt8>>(_ bytes: Bytes?, to name: String) -> URL {
        let url = scratch.appendingPathComponent(name)
        if let bytes {
            do {
                try Data(bytes).write(to: url)
            } catch {
                fatalError("fuzz: cannot write the scratch file \(url.path): \(error)")
            }
        } else {
            try? FileManager.default.removeItem(at: url)
        }
        return url
    }

    /// A fuzz target: called with each input (never a null pointer), returns 0.
    public typealias Target = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    /// Every target's `main`. Built by Scripts/fuzz.sh (`-sanitize=fuzzer -D LETHE_FUZZ`), it hands the command
    /// line to libFuzzer; a plain build replays the files named on the command line, so a crash artifact or corpus
    /// file can be debugged without the sanitizers.
    public static func main(_ target: Target) -> Never {
        #if LETHE_FUZZ
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
        #else
        replay(target)
        exit(0)
        #endif
    }

    private static func replay(_ target: Target) {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            print("usage: \(CommandLine.arguments[0]) FILE... (runs the fuzz target on each file)")
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                exit(1)
            }
            // One spare byte so an empty input still has a valid pointer.
            let bytes = [UInt8](data) + [0]
            _ = bytes.withUnsafeBufferPointer { target($0.baseAddress, data.count) }
            print("\(path): ok")
        }
    }
}
