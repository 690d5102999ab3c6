import Foundation
import LetheIO
import Testing

/// Checks shared by the image test suites.
extension ImageFixtures {
    /// Decodes a manifest fixture from its file and compares its size and pixels with PIL's decode of it.
    static func expectDecodesLikePIL(
        _ fixture: DecodeCase, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let image = try ImageRGB8(contentsOfFile: path(fixture.file))
        #expect(image.width == fixture.width, sourceLocation: sourceLocation)
        #expect(image.height == fixture.height, sourceLocation: sourceLocation)
        let expected = try bytes(fixture.expected)
        #expect(image.pixels == expected, "\(firstDifference(image.pixels, expected, width: fixture.width))",
                sourceLocation: sourceLocation)
    }

    /// Expects `error` to be a failed file access of `path` with `code`, named in its description.
    static func expectIOError(
        _ error: ImageError, path: String, errno code: Int32, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case let .io(_, errorPath, errorCode, _) = error else {
            Issue.record("expected .io, got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(errorPath == path, sourceLocation: sourceLocation)
        #expect(errorCode == code, sourceLocation: sourceLocation)
        #expect(error.description.contains(path), sourceLocation: sourceLocation)
    }
}
