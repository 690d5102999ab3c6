import Foundation
import LetheIO
import LetheModels
import LetheTensor

/// Scratch space for the UNet tests (the fixtures themselves are found with `Fixture`).
enum UNetFixtures {
    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-unet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
