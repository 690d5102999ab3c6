import Foundation

extension WorldJudge {
    /// The folder of the judge that ships in this module (trained by `lethe world train-judge`; its config.json
    /// records the command and the accuracies), or nil when the build has no such resource.
    public static var bundledFolder: URL? {
        // `.copy("Resources")` keeps the folder; Foundation on Linux may report that folder itself as the
        // bundle's resource directory, so look in both places.
        let bundle = Bundle.module
        let candidates = [bundle.resourceURL, bundle.bundleURL].compactMap { $0 }.flatMap { base in
            [base.appendingPathComponent("Resources/judge"), base.appendingPathComponent("judge")]
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(configFileName).path) }
    }

    /// The judge that ships in this module.
    public static func bundled() throws -> WorldJudge {
        guard let folder = bundledFolder else { throw WorldJudgeError.noBundledJudge }
        return try load(from: folder)
    }
}
