import LetheFuzzSupport
import LetheIO

/// One input: the text of a YAML job file (`--config FILE`, and `lethe run`'s); bytes that are not UTF-8 become U+FFFD, as a
/// lossy read would give them.
func fuzzJobConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? JobConfigFile.parse(text, path: "fuzz.yaml")
    // The same text as a `lethe run` job file (model, output, erasures: a list of mappings).
    _ = try? RunJobFile.parse(text, path: "fuzz.yaml")
    return 0
}

#if LETHE_FUZZ
/// libFuzzer's entry point, exported under its usual name for drivers that look for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzJobConfig(data, size) }
#endif

@main enum Main { static func main() { FuzzSupport.main(fuzzJobConfig) } }
