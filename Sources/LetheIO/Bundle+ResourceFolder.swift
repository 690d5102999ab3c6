import Foundation

extension Bundle {
    /// The resource folder `name` of a module's bundle (a target's `.copy("Resources")`) when it holds every file
    /// of `markers`, else nil. `.copy` keeps the `Resources` folder; Foundation on Linux may report that folder
    /// itself as the bundle's resource directory, so both places are looked in.
    public func resourceFolder(_ name: String, containing markers: [String]) -> URL? {
        let candidates = [resourceURL, bundleURL].compactMap { $0 }.flatMap { base in
            [base.appendingPathComponent("Resources/\(name)"), base.appendingPathComponent(name)]
        }
        return candidates.first { folder in
            markers.allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        }
    }
}
