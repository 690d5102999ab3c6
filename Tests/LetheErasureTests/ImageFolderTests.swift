import Foundation
import LetheCheckpoint
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

    /// Photos whose EXIF (artist, GPS), XMP, JPEG comment and PNG text chunks name a person decode to exactly the
    /// pixels of the same files without them: only pixels are kept.
    @Test func metadataDoesNotReachThePixels() throws {
        let marked = try ImageFolder(path: Fixture.reference("private-images").path)
        let clean = try ImageFolder(path: Fixture.reference("private-images-clean").path)
        #expect(marked.names == clean.names && marked.count == 3)
        for index in 0..<marked.count {
            #expect(marked.images[index].pixels == clean.images[index].pixels, "\(marked.names[index])")
        }
        // The hashes are of the files' bytes, as sha256sum gives them (so the metadata makes them differ).
        for (name, hash) in zip(marked.names, marked.hashes) {
            let bytes = try Data(contentsOf: Fixture.reference("private-images").appendingPathComponent(name))
            #expect(hash == SHA256Hex.of(bytes))
        }
        #expect(marked.contentDigest != clean.contentDigest)
    }

    @Test func listedHashesAreLeftOutAndBadListsNamedByLine() throws {
        let folder = Fixture.reference("private-images")
        let all = try ImageFolder(path: folder.path)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exclusions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let list = directory.appendingPathComponent("exclude.txt")
        // sha256sum's format, upper case accepted, a comment and a blank line.
        try Data("# taken down 2026-11\n\n\(all.hashes[1].uppercased())  \(all.names[1])\n".utf8).write(to: list)
        let kept = try ImageFolder(path: folder.path, excluding: try ImageExclusions(contentsOf: list.path))
        #expect(kept.names == [all.names[0], all.names[2]] && kept.excludedCount == 1)
        #expect(kept.hashes == [all.hashes[0], all.hashes[2]])
        // Every image listed: no images left is the error it is for an empty folder.
        try Data(all.hashes.joined(separator: "\n").utf8).write(to: list)
        #expect(throws: ErasureError.noImages(path: folder.path)) {
            try ImageFolder(path: folder.path, excluding: try ImageExclusions(contentsOf: list.path))
        }
        try Data("\(all.hashes[0])\njane-q-example-beach.jpg\n".utf8).write(to: list)
        #expect { try ImageExclusions(contentsOf: list.path) } throws: { error in
            "\(error)".contains("line 2") && "\(error)".contains("SHA-256")
        }
    }
}
