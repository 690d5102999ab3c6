import Foundation
import LetheIO
import Testing

@Suite("Atomic file output")
struct AtomicFileOutputTests {
    /// A fresh empty folder and a path inside it; the caller removes the folder.
    static func destination(_ name: String = "model.bin") throws -> (folder: String, path: String) {
        let folder = NSTemporaryDirectory() + "lethe-atomic-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder, folder + "/" + name)
    }

    static func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func entries(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// The byte at `offset` of the large test stream: a multiplicative hash, so shifted or repeated chunks show.
    static func patternByte(_ offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt64(offset) &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    @Test func theDestinationKeepsItsOldBytesUntilCommit() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let old = Array("old contents".utf8)
        try Data(old).write(to: URL(fileURLWithPath: path))
        let oldHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let oldMapping = try MappedFile(path: path)

        // A 16-byte buffer, so the appends below really reach the temporary file before the commit.
        let output = try AtomicFileOutput(destination: path, bufferSize: 16)
        let new = (0..<100).map { UInt8($0) }
        try output.append(Array(new[0..<5]))
        try output.append(Array(new[5..<60]))
        try output.append(Array(new[60..<100]))
        #expect(try Self.contents(path) == old)
        let during = try Self.entries(folder)
        #expect(during.count == 2, "\(during)")
        #expect(during.contains("model.bin"))
        #expect(during.contains { $0.hasPrefix(".model.bin.") }, "the temporary file is hidden, beside the destination")

        try output.commit()
        #expect(try Self.contents(path) == new)
        #expect(try Self.entries(folder) == ["model.bin"])
        // The rename replaced the folder entry, not the old file: what was open before still reads the old bytes.
        #expect([UInt8](try oldHandle.readToEnd() ?? Data()) == old)
        #expect(Array(oldMapping.bytes) == old)
        try oldHandle.close()
    }

    @Test func aNewFileAppearsOnlyAtCommit() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try AtomicFileOutput(destination: path)
        try output.append([1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: path))
        try output.commit()
        #expect(try Self.contents(path) == [1, 2, 3])
        #expect(output.destination == path)
    }

    @Test func anOutputWithNoBytesCommitsAnEmptyFile() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try AtomicFileOutput(destination: path)
        try output.append([])
        try output.commit()
        #expect(try Self.contents(path) == [])
        #expect(try Self.entries(folder) == ["model.bin"])
    }

    @Test func theOneStepWriteReplacesTheFile() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("previous".utf8).write(to: URL(fileURLWithPath: path))
        try AtomicFileOutput.write(Array("replacement".utf8), to: path)
        #expect(try Self.contents(path) == Array("replacement".utf8))
        #expect(try Self.entries(folder) == ["model.bin"])
    }

    @Test func discardRemovesTheTemporaryFileAndKeepsTheOldOne() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        let output = try AtomicFileOutput(destination: path, bufferSize: 4)
        try output.append(Array(repeating: 7, count: 1000))
        #expect(try Self.entries(folder).count == 2)
        output.discard()
        output.discard()
        #expect(try Self.entries(folder) == ["model.bin"])
        #expect(try Self.contents(path) == Array("keep me".utf8))
    }

    @Test func releasingAnUncommittedOutputRemovesItsTemporaryFile() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func abandon() throws {
            let output = try AtomicFileOutput(destination: path, bufferSize: 4)
            try output.append(Array(repeating: 1, count: 64))
            let during = try Self.entries(folder)
            withExtendedLifetime(output) {}
            #expect(during.count == 1, "\(during)")
        }
        try abandon()
        #expect(try Self.entries(folder) == [])
    }

    @Test func discardAfterCommitKeepsTheFile() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try AtomicFileOutput(destination: path)
        try output.append([9, 8, 7])
        try output.commit()
        output.discard()
        #expect(try Self.contents(path) == [9, 8, 7])
    }

    @Test func aFailedRenameLeavesNoTemporaryFileAndNamesTheDestination() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A folder in the way: every byte is written, then renaming a file over a folder fails (EISDIR).
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let output = try AtomicFileOutput(destination: path)
        try output.append(Array(repeating: 3, count: 5000))
        let error = try #require(throws: FileIOError.self) { try output.commit() }
        #expect(error == .systemCall(.renameTemporary, path: path, errno: EISDIR))
        #expect(error.description == "Renaming a temporary file to \(path) failed: Is a directory (errno 21).")
        #expect(try Self.entries(folder) == ["model.bin"])
        #expect(try Self.entries(path) == [])
    }

    @Test func aMissingFolderGivesAnErrorNamingThePath() throws {
        let (folder, _) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/no/such/folder/model.bin"
        let error = try #require(throws: FileIOError.self) { _ = try AtomicFileOutput(destination: path) }
        #expect(error == .systemCall(.createTemporary, path: path, errno: ENOENT))
        #expect(error.description.hasPrefix("Creating a temporary file to write \(path) failed: "))
        #expect(error.description.hasSuffix("(errno \(ENOENT))."))
        #expect(try Self.entries(folder) == [])
    }

    @Test func aFileInPlaceOfTheFolderGivesAnErrorNamingThePath() throws {
        let (folder, blocker) = try Self.destination("blocker")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("a file, not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/model.bin"
        let error = try #require(throws: FileIOError.self) { try AtomicFileOutput.write([1], to: path) }
        #expect(error == .systemCall(.createTemporary, path: path, errno: ENOTDIR))
        #expect(error.description.contains(path))
        #expect(try Self.entries(folder) == ["blocker"])
    }

    /// Root may create files in any folder, so this case only runs for other users.
    @Test(.enabled(if: geteuid() != 0, "root ignores folder permissions"))
    func aReadOnlyFolderGivesAnErrorNamingThePath() throws {
        let (folder, path) = try Self.destination()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        let error = try #require(throws: FileIOError.self) { try AtomicFileOutput.write([1], to: path) }
        #expect(error == .systemCall(.createTemporary, path: path, errno: EACCES))
        #expect(error.description.contains(path))
    }

    @Test func twoOutputsForOneDestinationUseTheirOwnTemporaryFiles() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try AtomicFileOutput(destination: path, bufferSize: 1)
        let second = try AtomicFileOutput(destination: path, bufferSize: 1)
        try first.append(Array("first".utf8))
        try second.append(Array("second".utf8))
        #expect(try Self.entries(folder).count == 2)
        try first.commit()
        #expect(try Self.contents(path) == Array("first".utf8))
        try second.commit()
        #expect(try Self.contents(path) == Array("second".utf8))
        #expect(try Self.entries(folder) == ["model.bin"])
    }

    /// About 100 MB in chunks smaller than, equal to and larger than the 1 MiB buffer, with odd sizes between,
    /// read back byte for byte.
    @Test func largeStreamedAppendsArriveInOrder() throws {
        let (folder, path) = try Self.destination()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let mebibyte = 1 << 20
        let chunkSizes = [1, 3, 4095, mebibyte - 1, mebibyte, mebibyte + 1, 5 * mebibyte + 7, 17, 2 * mebibyte]
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSizes.max()!, alignment: 16)
        defer { scratch.deallocate() }
        let output = try AtomicFileOutput(destination: path)
        var total = 0
        for round in 0..<10 {
            for size in chunkSizes {
                for index in 0..<size { scratch[index] = Self.patternByte(total + index) }
                try output.append(UnsafeRawBufferPointer(rebasing: scratch[0..<size]))
                total += size
            }
            if round == 0 { #expect(!FileManager.default.fileExists(atPath: path)) }
        }
        try output.commit()

        let written = try MappedFile(path: path)
        #expect(written.count == total)
        let bytes = written.bytes
        let firstMismatch = (0..<min(written.count, total)).first { bytes[$0] != Self.patternByte($0) }
        #expect(firstMismatch == nil, "first wrong byte at offset \(firstMismatch ?? -1)")
        #expect(try Self.entries(folder) == ["model.bin"])
    }
}
