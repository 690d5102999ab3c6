extension WorldSample {
    /// The sample's line of `metadata.jsonl` as Hugging Face's `imagefolder` reads it (`file_name`, `text`) with
    /// the labels a judge trains on; keys in a fixed order, so the same sample gives the same bytes.
    public var metadataLine: String {
        let objectList = objects.map { object in
            "{\"shape\":\(Self.quoted(object.shape.name)),\"color\":\(Self.quoted(object.color.name)),"
                + "\"noun\":\(Self.quoted(object.noun))}"
        }.joined(separator: ",")
        return "{\"file_name\":\(Self.quoted(fileName)),\"text\":\(Self.quoted(caption)),"
            + "\"shape\":\(Self.quoted(shape.name)),\"color\":\(Self.quoted(color.name)),"
            + "\"artist\":\(Self.quoted(artist.name)),\"objects\":[\(objectList)],"
            + "\"phrasing\":\(phrasing.rawValue),\"split\":\(Self.quoted(split.rawValue))}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Foundation
