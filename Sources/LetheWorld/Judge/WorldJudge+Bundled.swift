import Foundation
import LetheIO

extension WorldJudge {
    /// The folder of the judge that ships in this module (trained by `lethe world train-judge`; its config.json
    /// records the command and the accuracies), or nil when the build has no such resource.
    public static var bundledFolder: URL? {
        Bundle.module.resourceFolder("judge", containing: [configFileName])
    }

    /// The judge that ships in this module.
    public static func bundled() throws -> WorldJudge {
        guard let folder = bundledFolder else { throw WorldJudgeError.noBundledJudge }
        return try load(from: folder)
    }
}
