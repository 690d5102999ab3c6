import Foundation
import LetheErasure
import LetheTestSupport
import Testing

@Suite("Image folder")
struct ImageFolderTests {
    @Test func readsImagesInNameOrder() throws {
        let folder = try ImageFolder(path: Fixture.reference("ti-fmn-images").path)
        #expect(folder.names == ["img0.png", "img1.png", "img2.png"])
        #expect(folder.images.map(\.height) == [40, 44, 48])
    }

    @Test func aFileThatIsNotAnImageIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("images-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("not an image".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        do {
            _ = try ImageFolder(path: directory.path)
            Issue.record("a text file was accepted as an image")
        } catch let error as ErasureError {
            guard case .invalidImage(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path.hasSuffix("notes.txt"))
            #expect(error.description.contains("notes.txt"))
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("notes.txt"))
        #expect(throws: ErasureError.noImages(path: directory.path)) { try ImageFolder(path: directory.path) }
    }
}
