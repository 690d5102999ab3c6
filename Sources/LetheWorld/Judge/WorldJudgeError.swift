/// What goes wrong using a judge, each naming the folder, file or setting.
public enum WorldJudgeError: Error, CustomStringConvertible, Equatable {
    /// A judge folder that does not exist or is not a folder.
    case missingFolder(path: String)
    /// No judge ships in this build's resources.
    case noBundledJudge
    /// Images of a shape the judge does not take.
    case imageShape(expected: [Int], found: [Int])
    /// A sample's shape, colour or artist that the judge's labels do not include (a judge of another world).
    case unknownLabel(head: String, label: String, source: String)

    public var description: String {
        switch self {
        case .missingFolder(let path):
            "Judge folder '\(path)' does not exist or is not a folder; give a folder with config.json and model.safetensors (as lethe world train-judge writes)."
        case .noBundledJudge:
            "No judge is bundled with this build of Lethe (Resources/judge is missing from the LetheWorld resources)."
        case .imageShape(let expected, let found):
            "The judge takes images of shape \(expected) (batch, RGB, height, width), got \(found)."
        case .unknownLabel(let head, let label, let source):
            "The judge of '\(source)' has no \(head) label '\(label)': it was trained on another vocabulary."
        }
    }
}
