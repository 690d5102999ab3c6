import LetheFuzzSupport
import LetheIO

/// One input: the bytes of an image file (PNG or JPEG, told apart by their signature as for real files).
func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Four megapixels: larger images take the same code paths, only longer (see the initializer).
    _ = try? ImageRGB8(decoding: bytes, source: "fuzz input", pixelLimit: 1 << 22)
    return 0
}

#if LETHE_FUZZ
/// libFuzzer's entry point, exported under its usual name for drivers that look for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzImage(data, size) }
#endif

@main enum Main { static func main() { FuzzSupport.main(fuzzImage) } }
