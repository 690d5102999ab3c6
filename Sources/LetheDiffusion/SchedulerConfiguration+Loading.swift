import Foundation
import LetheIO
import LetheModels

extension SchedulerConfiguration {
    /// Decodes a scheduler_config.json; `source` names it in errors (a path, or a description).
    public init(jsonData: Data, source: String = "scheduler_config.json") throws {
        do {
            self = try JSONDecoder().decode(SchedulerConfiguration.self, from: jsonData)
        } catch let error as DecodingError {
            throw SchedulerError.unreadableConfiguration(source: source, reason: error.explanation(in: jsonData, decoding: SchedulerConfiguration.self))
        } catch {
            throw SchedulerError.unreadableConfiguration(source: source, reason: "\(error)")
        }
    }

    /// Reads and decodes a scheduler_config.json file.
    public init(contentsOf url: URL) throws {
        // InputFile, not Data(contentsOf:), which blocks on a FIFO and leaks its buffer on an empty file.
        let data: Data
        do {
            data = try InputFile.data(url)
        } catch {
            throw SchedulerError.unreadableConfiguration(source: url.path, reason: error.message)
        }
        try self.init(jsonData: data, source: url.path)
        // The noise schedule's values are checked when the file is read, so that the error names the file (the
        // class-specific options are checked when a scheduler is made).
        do {
            _ = try noiseSchedule(allowsZeroTerminalSNR: false, for: .ddpm)
        } catch SchedulerError.invalidValue(let key, let value, let expected) {
            throw SchedulerError.invalidFileValue(source: url.path, key: key, value: value, expected: expected)
        }
    }

    /// Reads a diffusers model folder's scheduler/scheduler_config.json.
    public init(folder: DiffusersModelFolder) throws {
        try self.init(contentsOf: folder.componentFile("scheduler", "scheduler_config.json"))
    }

    /// The same configuration as JSON with diffusers' keys (absent values are left out).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
