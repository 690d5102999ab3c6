import Foundation

/// The `/proc/self/smaps` entry ("Rss", "Shared_Clean", "Private_Dirty", "Anonymous", … in kB) of the mapping that
/// holds `address`, read afresh; nil when no mapping holds it.
public func residentPages(ofMappingHolding address: UnsafeRawPointer) -> [String: Int]? {
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps"), let data = try? handle.readToEnd() else {
        return nil
    }
    let target = UInt(bitPattern: address)
    var current: [String: Int]?
    // A header line per mapping ("start-end perms offset dev inode path"), then "Key: N kB" lines.
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
            if current != nil { return current }
            let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
            current = bounds.count == 2 && bounds[0] <= target && target < bounds[1] ? [:] : nil
        } else if current != nil, fields.count >= 2, fields[0].hasSuffix(":"), let value = Int(fields[1]) {
            current?[String(fields[0].dropLast())] = value
        }
    }
    return current
}
