import LetheIO

extension WorldSample {
    /// The sample's line of `metadata.jsonl` as Hugging Face's `imagefolder` reads it (`file_name`, `text`) with
    /// the labels a judge trains on; keys in a fixed order, so the same sample gives the same bytes.
    public var metadataLine: String {
        let objectList = objects.map { object in
            "{\"shape\":\(DocumentJSON.stringLiteral(object.shape.name)),\"color\":\(DocumentJSON.stringLiteral(object.color.name)),"
                + "\"noun\":\(DocumentJSON.stringLiteral(object.noun))}"
        }.joined(separator: ",")
        return "{\"file_name\":\(DocumentJSON.stringLiteral(fileName)),\"text\":\(DocumentJSON.stringLiteral(caption)),"
            + "\"shape\":\(DocumentJSON.stringLiteral(shape.name)),\"color\":\(DocumentJSON.stringLiteral(color.name)),"
            + "\"artist\":\(DocumentJSON.stringLiteral(artist.name)),\"objects\":[\(objectList)],"
            + "\"phrasing\":\(phrasing.rawValue),\"split\":\(DocumentJSON.stringLiteral(split.rawValue))}"
    }
}
