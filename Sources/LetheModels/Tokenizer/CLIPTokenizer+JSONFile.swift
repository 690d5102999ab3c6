import Foundation
import LetheIO

extension CLIPTokenizer {
    /// Reading helpers for the JSON and text files of a tokenizer folder, turning every failure into a
    /// ``TokenizerError`` that names the file.
    enum JSONFile {
        static func data(at url: URL) throws -> Data {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw TokenizerError.missingFile(path: url.path, purpose: "tokenizer data")
            }
            // InputFile, not Data(contentsOf:), which blocks on a FIFO and leaks its buffer on an empty file.
            do {
                return try InputFile.data(url)
            } catch {
                throw TokenizerError.unreadableFile(path: url.path, reason: error.message)
            }
        }

        static func text(at url: URL) throws -> String {
            guard let text = String(data: try data(at: url), encoding: .utf8) else {
                throw TokenizerError.invalidFile(path: url.path, reason: "it is not valid UTF-8 text")
            }
            return text
        }

        static func object(at url: URL) throws -> [String: Any] {
            let data = try data(at: url)
            let value: Any
            do {
                value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            } catch {
                throw TokenizerError.invalidFile(path: url.path, reason: "it is not valid JSON")
            }
            guard let object = value as? [String: Any] else {
                throw TokenizerError.invalidFile(path: url.path, reason: "its top level should be a JSON object")
            }
            return object
        }

        /// A JSON number that is an integer (not a boolean, not fractional).
        static func integer(_ value: Any) -> Int? {
            guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < 9.0e15 else { return nil }
            return number.intValue
        }

        /// JSON `true`/`false` arrive as NSNumbers too; their Objective-C type is "c" (char).
        private static func isBoolean(_ number: NSNumber) -> Bool {
            String(cString: number.objCType) == "c"
        }
    }
}
