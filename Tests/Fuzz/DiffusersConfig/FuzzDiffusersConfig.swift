import Foundation
import LetheDiffusion
import LetheFuzzSupport
import LetheModels

/// One input: a first byte choosing the file (modulo 5: unet/config.json, vae/config.json,
/// text_encoder/config.json, scheduler/scheduler_config.json, model_index.json), then its JSON. Each goes through
/// the entry point model loading uses, validation included; a scheduler config also builds its scheduler.
func fuzzDiffusersConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    let json = Data(FuzzSupport.body(data, size))
    switch data[0] % 5 {
    case 0:
        _ = try? UNet2DConditionConfiguration.decode(json, source: "unet/config.json")
    case 1:
        _ = try? AutoencoderKLConfiguration.decode(json, source: "vae/config.json")
    case 2:
        if let configuration = try? CLIPTextConfiguration(jsonData: json) {
            _ = try? configuration.activation()
        }
    case 3:
        if let configuration = try? SchedulerConfiguration(jsonData: json) {
            _ = try? configuration.makeScheduler()
        }
    default:
        // model_index.json is only read from a pipeline folder.
        FuzzSupport.write(json, to: "model_index.json")
        _ = try? DiffusersModelFolder(url: FuzzSupport.scratch)
    }
    return 0
}

#if LETHE_FUZZ
/// libFuzzer's entry point, exported under its usual name for drivers that look for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzDiffusersConfig(data, size) }
#endif

@main enum Main { static func main() { FuzzSupport.main(fuzzDiffusersConfig) } }
