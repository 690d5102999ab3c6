import Foundation
import LetheIO
import Testing

/// The output guard, the staging folder and the input opener: nothing Lethe did not write is replaced, no input is
/// overwritten, and no input path can block the process.
@Suite("Output and input safety")
struct OutputSafetyTests {
    /// A fresh folder holding a fake model (model_index.json, unet/weights) and a loose file.
    static func workspace() throws -> String {
        let folder = NSTemporaryDirectory() + "lethe-output-safety-" + UUID().uuidString
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: folder + "/model/unet", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/model/model_index.json"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/model/unet/weights.safetensors"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        return folder
    }

    static func guarded(_ output: String, in folder: String, kind: OutputKind = .modelFolder(marker: "erasure-report.json"),
                        overwrite: Bool = true) throws -> String {
        try OutputGuard.check(output: output, kind: kind, inputs: [.init(folder + "/model", role: "model")],
                              overwrite: overwrite)
    }

    @Test func anOutputThatIsContainsOrLiesInsideAnInputIsRefused() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/x", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/model")
        let cases: [(String, String)] = [
            (folder + "/model", "is"), (folder + "/model/", "is"), (folder + "/x/../model/.", "is"),
            (folder + "/nothing/../model", "is"), (folder + "/link", "is"), (folder + "/link/unet", "lies inside"),
            (folder + "/model/unet", "lies inside"), (folder + "/model/new/deeper", "lies inside"),
            (folder, "contains"), (folder + "/x/..", "contains"), ("/", "contains"),
        ]
        for (output, relation) in cases {
            #expect(throws: OutputError.self, "\(output)") { try Self.guarded(output, in: folder) }
            do {
                _ = try Self.guarded(output, in: folder)
            } catch let error as OutputError {
                guard case let .overlapsInput(_, _, role, found) = error else {
                    Issue.record("\(output): \(error)")
                    continue
                }
                #expect(found == relation, "\(output)")
                #expect(role == "model")
            }
        }
    }

    @Test func overwriteReplacesOnlyWhatLetheWrote() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fileManager = FileManager.default
        // Existing without --overwrite: refused, whatever it is.
        #expect(throws: OutputError.exists(path: folder + "/notes.txt", canOverwrite: true)) {
            try Self.guarded(folder + "/notes.txt", in: folder, overwrite: false)
        }
        // A regular file, a folder of unrelated files, a model folder without Lethe's report: refused.
        for output in [folder + "/notes.txt", folder + "/plain"] {
            try? fileManager.createDirectory(atPath: folder + "/plain", withIntermediateDirectories: false)
            #expect(throws: OutputError.self) { try Self.guarded(output, in: folder) }
        }
        try fileManager.createDirectory(atPath: folder + "/other-model", withIntermediateDirectories: false)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/other-model/model_index.json"))
        #expect(throws: OutputError.self) { try Self.guarded(folder + "/other-model", in: folder) }
        // With the report Lethe writes: replaceable, and the check returns the resolved path.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/other-model/erasure-report.json"))
        let resolved = try Self.guarded(folder + "/./other-model", in: folder)
        #expect(resolved == ResolvedPath.resolve(folder + "/other-model"))
        // Images: only PNG and .npy files.
        #expect(throws: OutputError.self) { try Self.guarded(folder + "/notes.txt", in: folder, kind: .image) }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]
        try Data(png).write(to: URL(fileURLWithPath: folder + "/old.png"))
        _ = try Self.guarded(folder + "/old.png", in: folder, kind: .image)
        // Learned embeddings: a safetensors file of one tensor, not a model's weights.
        try SafeTensorsWriter.write([("<tok>", .init(shape: [1, 4], repeating: 0))], to: URL(fileURLWithPath: folder + "/e.safetensors"))
        _ = try Self.guarded(folder + "/e.safetensors", in: folder, kind: .learnedEmbeddings)
        try SafeTensorsWriter.write([("a", .init(shape: [2, 2], repeating: 0)), ("b", .init(shape: [2], repeating: 0))],
                                    to: URL(fileURLWithPath: folder + "/w.safetensors"))
        #expect(throws: OutputError.self) { try Self.guarded(folder + "/w.safetensors", in: folder, kind: .learnedEmbeddings) }
    }

    @Test func anOutputUnderAFileOrAnUnwritableFolderIsRefusedBeforeWork() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: OutputError.notWritable(path: folder + "/notes.txt/out", reason: "'\(folder)/notes.txt' is not a folder")) {
            try Self.guarded(folder + "/notes.txt/out", in: folder)
        }
        // A folder in /proc refuses new entries even to root.
        #expect(throws: OutputError.self) { try Self.guarded("/proc/self/lethe-out", in: folder) }
        // Nothing is left behind by the writability check.
        _ = try Self.guarded(folder + "/new/deeper/out", in: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["model", "notes.txt"])
    }

    @Test func aStagingFolderIsRenamedWhenCompleteAndStaleOnesAreRemoved() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fileManager = FileManager.default
        // A staging folder of a process that is gone (PID beyond pid_max) on this host, and one of another host.
        let stale = folder + "/.out.partial-\(Self.hostName)-2147483000"
        let foreign = folder + "/.out.partial-some-other-node-2147483000"
        try fileManager.createDirectory(atPath: stale, withIntermediateDirectories: false)
        try fileManager.createDirectory(atPath: foreign, withIntermediateDirectories: false)
        let staging = try StagingFolder(destination: folder + "/out")
        #expect(!fileManager.fileExists(atPath: stale))
        #expect(fileManager.fileExists(atPath: foreign))
        try Data("x".utf8).write(to: URL(fileURLWithPath: staging.path + "/file"))
        #expect(!fileManager.fileExists(atPath: folder + "/out"))
        try staging.commit(replacing: false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/out/file")) == Data("x".utf8))
        #expect(!fileManager.fileExists(atPath: staging.path))
        // A second folder for the same destination: refused without replacing, and discarded cleanly.
        let second = try StagingFolder(destination: folder + "/out")
        #expect(throws: OutputError.self) { try second.commit(replacing: false) }
        #expect(!fileManager.fileExists(atPath: second.path))
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func aFIFOOrFolderAsInputIsRefusedWithoutBlocking() throws {
        let folder = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // A plain open() of a FIFO without a writer would block this test forever.
        #expect(throws: FileIOError.notRegularFile(path: fifo, kind: "a named pipe (FIFO)")) { try InputFile.read(fifo) }
        #expect { try MappedFile(path: fifo) } throws: { "\($0)".contains("\(fifo)': it is a named pipe (FIFO)") }
        #expect(throws: FileIOError.notRegularFile(path: folder, kind: "a folder")) { try InputFile.read(folder) }
        #expect(throws: FileIOError.notRegularFile(path: "/dev/zero", kind: "a character device")) { try InputFile.read("/dev/zero") }
        #expect(throws: FileIOError.tooLarge(path: folder + "/notes.txt", size: 5, limit: 4)) {
            try InputFile.read(folder + "/notes.txt", limit: 4)
        }
        try Data([0xFF, 0xFE]).write(to: URL(fileURLWithPath: folder + "/bad.txt"))
        #expect(throws: FileIOError.notUTF8(path: folder + "/bad.txt")) { try InputFile.text(folder + "/bad.txt") }
        #expect(try InputFile.text(folder + "/notes.txt") == "notes")
    }

    @Test func foundationErrorsAreToldInTheSystemsWords() throws {
        do {
            try FileManager.default.createDirectory(atPath: "/proc/self/lethe-nope", withIntermediateDirectories: true)
            Issue.record("creating a folder in /proc should fail")
        } catch {
            let text = FileSystemErrorText.reason(error)
            #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("Code="), "\(text)")
            #expect(text.contains("/proc/self/lethe-nope"), "\(text)")
        }
    }

    @Test func errorsQuoteAtMostALimitedPartOfTheInput() {
        let prompt = String(repeating: "a", count: 1_000_000)
        #expect(ErrorText.capped(prompt).count < 300)
        #expect(ErrorText.capped("short") == "short")
        #expect(ErrorText.list((0..<494).map { "tensor.\($0)" }).hasSuffix("(484 more)"))
    }
}

@Suite("Job files")
struct JobConfigFileTests {
    @Test func valuesListsAndOrderAreKept() throws {
        let entries = try JobConfigFile.parse("model: m\nconcept: [a, \"b c\"]\nuse_pooler: true\nlr: 2.0e-6\n", path: "j.yaml")
        #expect(entries.map(\.key) == ["model", "concept", "use_pooler", "lr"])
        #expect(entries.map(\.value) == [.scalar("m"), .list(["a", "b c"]), .scalar("true"), .scalar("2.0e-6")])
        #expect(try JobConfigFile.parse("# only a comment\n", path: "j.yaml").isEmpty)
    }

    @Test func nullNestedDuplicateAndNonMappingFilesAreRejectedNamingTheKey() {
        let cases: [(String, String)] = [
            ("concept: null\n", "'concept' has no value"), ("concept:\n", "'concept' has no value"),
            ("concept: ~\n", "'concept' has no value"), ("concept: [a, null]\n", "'concept' has an empty (null) item"),
            ("model: {a: 1}\n", "'model' must be a value or a list"), ("steps: 3\nsteps: 4\n", "duplicated key(s): 'steps'"),
            ("steps: 3\nsteps_x: 1\nuse_pooler: 1\nuse-pooler: 2\n", "'use-pooler' appears twice"),
            ("- a\n- b\n", "must be a mapping"), ("concept: [nudity\n", "not valid YAML"),
            ("concept: [[a]]\n", "'concept' must be a list of plain values"),
        ]
        for (text, message) in cases {
            do {
                _ = try JobConfigFile.parse(text, path: "job.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(message), "\(text): \(error)")
                #expect(error.description.contains("job.yaml"))
            }
        }
        // A quoted "null" is the word.
        #expect((try? JobConfigFile.parse("concept: \"null\"\n", path: "j"))?.first?.value == .scalar("null"))
    }
}

@Suite("lethe run job files")
struct RunJobFileTests {
    @Test func erasuresDefaultsAndConceptFilesAreRead() throws {
        let job = try RunJobFile.parse("""
            model: m
            output: out
            group_size: 2
            defaults: {tokenizer: fast, seed: 3}
            erasures:
              - method: uce
                name: van-gogh
                concept: [Van Gogh, Monet]
              - {method: fmn, concept: cat, steps: 4}
            """, path: "run.yaml")
        #expect(job.model == "m" && job.output == "out" && job.groupSize == 2)
        #expect(job.defaults.map(\.key) == ["tokenizer", "seed"])
        #expect(job.erasures.map(\.method) == ["uce", "fmn"])
        #expect(job.erasures.map(\.name) == ["van-gogh", nil])
        #expect(job.erasures[0].options.map(\.key) == ["concept"])
        #expect(job.erasures[0].options[0].value == .list(["Van Gogh", "Monet"]))
        #expect(job.erasures[1].options.map(\.value) == [.scalar("cat"), .scalar("4")])
        let concepts = try RunJobFile.parse("model: m\noutput: o\nmethod: rece\nconcepts_file: a.txt\nconcepts_per_erasure: 25\n", path: "r")
        #expect(concepts.conceptsFile == "a.txt" && concepts.method == "rece" && concepts.conceptsPerErasure == 25)
        #expect(concepts.erasures.isEmpty && concepts.groupSize == nil)
        // Without model: the job erases from the world's model that ships with Lethe.
        let worldJob = try RunJobFile.parse("output: o\nerasures: [{method: uce}]\n", path: "r")
        #expect(worldJob.model == nil && concepts.model == "m")
    }

    @Test func mistakesAreRejectedNamingTheFileAndTheErasure() {
        let base = "model: m\noutput: o\n"
        let cases: [(String, String)] = [
            ("model: m\nerasures: [{method: uce}]\n", "names no output"),
            (base, "lists no erasures"),
            (base + "erasures: []\n", "erasures: is empty"),
            (base + "erasures: {method: uce}\n", "'erasures' must be a list"),
            (base + "erasures: [{concept: a}]\n", "erasure 1: it has no method"),
            (base + "erasures: [{method: uce}, uce]\n", "erasure 2: it must be a mapping"),
            (base + "erasures: [{method: uce, steps: 1, steps: 2}]\n", "duplicated key(s): 'steps'"),
            (base + "erasures: [{method: uce, use_pooler: true, use-pooler: true}]\n", "erasure 1: the key 'use-pooler' appears twice"),
            (base + "erasures: [{method: uce, concept: null}]\n", "'erasure 1: concept' has no value"),
            (base + "erasures: [{method: [uce]}]\n", "erasure 1: 'method' takes one value"),
            (base + "erasures: [{method: uce}]\nconcepts_file: c.txt\nmethod: uce\n", "not both"),
            (base + "erasures: [{method: uce}]\nmethod: uce\n", "'method' at the top applies to concepts_file"),
            (base + "concepts_file: c.txt\n", "concepts_file: needs method:"),
            (base + "concepts_file: c.txt\nmethod: uce\nconcepts_per_erasure: 0\n", "concepts_per_erasure is '0'"),
            (base + "group_size: two\nerasures: [{method: uce}]\n", "group_size is 'two'"),
            (base + "steps: 3\nerasures: [{method: uce}]\n", "unknown key 'steps'"),
            (base + "model: n\nerasures: [{method: uce}]\n", "duplicated key(s): 'model'"),
            (base + "group-size: 2\ngroup_size: 2\nerasures: [{method: uce}]\n", "'group_size' appears twice"),
            (base + "defaults: [a]\nerasures: [{method: uce}]\n", "'defaults' must be a mapping"),
            ("- a\n", "must be a mapping with model:"),
        ]
        for (text, message) in cases {
            do {
                _ = try RunJobFile.parse(text, path: "run.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(message), "\(text): \(error)")
                #expect(error.description.contains("run.yaml"))
            }
        }
    }
}
