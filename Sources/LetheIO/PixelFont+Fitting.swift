extension PixelFont {
    /// What `truncated` ends a shortened text with.
    public static let ellipsis = "..."

    /// `text` if it fits in `width` pixels on one line; otherwise its longest start that fits followed by "...",
    /// so a reader sees that something was cut. When not even "..." fits, as much of it as does (or "").
    public func truncated(_ text: String, toWidth width: Int) -> String {
        self.width(of: text) <= width ? text : ellipsized(text, toWidth: width)
    }

    /// `text` broken into lines of at most `width` pixels: at spaces where it can, inside a word only when the word
    /// alone is wider than a line, and at every newline. When more than `maxLines` lines result, the last one kept
    /// ends with "..." so a reader sees that the label goes on. Runs of spaces become one.
    public func wrapped(_ text: String, toWidth width: Int, maxLines: Int = .max) -> [String] {
        guard maxLines > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let joined = line.isEmpty ? String(word) : line + " " + word
                if self.width(of: joined) <= width {
                    line = joined
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = String(word)
                while self.width(of: line) > width, line.count > 1 {
                    let head = longestPrefix(of: line, fittingWidth: width, reserving: 0)
                    let cut = head.isEmpty ? String(line.prefix(1)) : head
                    lines.append(cut)
                    line = String(line.dropFirst(cut.count))
                }
            }
            lines.append(line)
        }
        guard lines.count > maxLines else { return lines }
        var kept = Array(lines.prefix(maxLines))
        kept[maxLines - 1] = ellipsized(kept[maxLines - 1] + " " + lines[maxLines], toWidth: width)
        return kept
    }

    /// The longest start of `text` that fits in `width` with "..." after it, then "..." (trailing spaces of the
    /// start dropped, so the dots follow a word).
    func ellipsized(_ text: String, toWidth width: Int) -> String {
        let dots = self.width(of: Self.ellipsis)
        guard dots <= width else { return longestPrefix(of: Self.ellipsis, fittingWidth: width, reserving: 0) }
        var head = longestPrefix(of: text, fittingWidth: width, reserving: dots + Self.spacing * scale)
        while head.last == " " { head.removeLast() }
        return head + Self.ellipsis
    }

    /// The longest start of `text` whose width plus `reserve` (when the start is not empty) is at most `width`.
    func longestPrefix(of text: String, fittingWidth width: Int, reserving reserve: Int) -> String {
        var used = -Self.spacing * scale
        var end = text.startIndex
        for index in text.indices {
            used += advance(of: text[index])
            if used + reserve > width { break }
            end = text.index(after: index)
        }
        return String(text[..<end])
    }
}
