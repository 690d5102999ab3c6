import LetheFuzzSupport
import LetheIO

/// One input: a first byte choosing the parser (even: a whole `.safetensors` file; odd: a shard index,
/// `model.safetensors.index.json`), then that file's bytes. Thrown errors are the parsers' answer to bad input;
/// only a trap, a sanitizer report, a leak or a hang is a finding.
func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    let body = FuzzSupport.body(data, size)
    if data[0] & 1 == 0 {
        guard (try? SafeTensorsFile.validateHeader(of: body, path: "fuzz.safetensors")) != nil else { return 0 }
        // A header that passes: open the same bytes as a mapped file and read every tensor, as model loading does.
        let url = FuzzSupport.write(body, to: "fuzz.safetensors")
        guard let file = try? SafeTensorsFile.open(url) else { return 0 }
        for info in file.tensorsInDataOrder {
            if info.dtype.convertsToFloat32 { _ = try? file.tensor(named: info.name) }
            if info.dtype.isIntegral { _ = try? file.int64Values(named: info.name) }
            _ = try? file.rawBytes(named: info.name)
        }
    } else if let index = try? SafeTensorsIndex(json: body, path: "fuzz.safetensors.index.json") {
        _ = index.totalSize
        _ = index.shardNames
        _ = index.encoded()
    }
    return 0
}

#if LETHE_FUZZ
/// libFuzzer's entry point, exported under its usual name for drivers that look for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzSafeTensors(data, size) }
#endif

@main enum Main { static func main() { FuzzSupport.main(fuzzSafeTensors) } }
