extension CLIPTokenizer {
    /// Hugging Face's added-token trie (`transformers.tokenization_utils.Trie`), ported step for step so that the
    /// raw text is cut at exactly the same places: the earliest-starting match wins, extended to the longest token
    /// from that start, including the original's look-ahead over partially matched tokens.
    struct TokenTrie: Sendable {
        private var children: [[Unicode.Scalar: Int]] = [[:]]
        private var isTerminal: [Bool] = [false]

        var isEmpty: Bool { children[0].isEmpty }

        mutating func insert(_ word: [Unicode.Scalar]) {
            guard !word.isEmpty else { return }
            var node = 0
            for scalar in word {
                if let next = children[node][scalar] {
                    node = next
                } else {
                    children.append([:])
                    isTerminal.append(false)
                    children[node][scalar] = children.count - 1
                    node = children.count - 1
                }
            }
            isTerminal[node] = true
        }

        /// The ranges of `text` between and at the added tokens found, in order, none empty.
        func split(_ text: [Unicode.Scalar]) -> [Range<Int>] {
            let length = text.count
            var states: [(start: Int, node: Int)] = []  // partial matches, by ascending start
            var offsets = [0]
            var skip = 0
            for current in 0..<length {
                if skip != 0 && current < skip { continue }
                let scalar = text[current]
                var removed: [Int] = []
                var reset = false
                var index = 0
                while index < states.count {
                    let (start, node) = states[index]
                    if isTerminal[node] {
                        let (matchStart, matchEnd, newSkip) = longestMatch(
                            in: text, states: states, firstStart: start, current: current, skip: skip)
                        skip = newSkip
                        offsets.append(matchStart)
                        offsets.append(matchEnd)
                        reset = true
                        break
                    } else if let next = children[node][scalar] {
                        states[index].node = next
                    } else {
                        removed.append(start)
                    }
                    index += 1
                }
                if reset {
                    states.removeAll()
                } else if !removed.isEmpty {
                    states.removeAll { removed.contains($0.start) }
                }
                if current >= skip, let next = children[0][scalar] {
                    states.append((start: current, node: next))
                }
            }
            if let state = states.first(where: { isTerminal[$0.node] }) {
                offsets.append(state.start)
                offsets.append(length)
            }
            return cut(length: length, offsets: offsets)
        }

        /// The original's look-ahead once a state at `firstStart` has completed a token: among the states starting
        /// no later, the first one that matches anything decides the start, and its longest match the end.
        private func longestMatch(
            in text: [Unicode.Scalar], states: [(start: Int, node: Int)], firstStart: Int, current: Int, skip: Int
        ) -> (start: Int, end: Int, skip: Int) {
            var start = firstStart
            var end = current
            var skip = skip
            for (lookStart, lookNode) in states {
                if lookStart > start { break }
                var lookahead: Int
                if lookStart < start {
                    // This state has already consumed the current scalar in this pass.
                    lookahead = current + 1
                    end = current + 1
                } else {
                    lookahead = current
                    end = current
                }
                var node = lookNode
                if isTerminal[node] {
                    start = lookStart
                    end = lookahead
                    skip = lookahead
                }
                while lookahead < text.count, let next = children[node][text[lookahead]] {
                    node = next
                    lookahead += 1
                    if isTerminal[node] {
                        start = lookStart
                        end = lookahead
                        skip = lookahead
                    }
                }
            }
            return (start, end, skip)
        }

        /// The end of the longest token starting at `start`, or nil when none does.
        func longestTokenEnd<Text: RandomAccessCollection<Unicode.Scalar>>(in text: Text, from start: Int) -> Int?
        where Text.Index == Int {
            var node = 0
            var end: Int?
            var position = start
            while position < text.endIndex, let next = children[node][text[position]] {
                node = next
                position += 1
                if isTerminal[node] { end = position }
            }
            return end
        }

        /// transformers' `cut_text`: pieces between consecutive offsets, skipping empty and backward ones.
        private func cut(length: Int, offsets: [Int]) -> [Range<Int>] {
            var pieces: [Range<Int>] = []
            var start = 0
            for end in offsets + [length] {
                if start >= end { continue }
                pieces.append(start..<end)
                start = end
            }
            return pieces
        }
    }
}

extension CLIPTokenizer.TokenTrie {
    /// A piece of text cut by ``leftmostLongestSplit(_:)``.
    struct Segment {
        let range: Range<Int>
        /// Whether the piece is a token of the trie.
        let isMatch: Bool
    }

    /// The `tokenizers` library's added-token search (Aho-Corasick, leftmost-longest): the match starting earliest,
    /// and of those the longest, then the search resumes after it.
    func leftmostLongestSplit<Text: RandomAccessCollection<Unicode.Scalar>>(_ text: Text) -> [Segment]
    where Text.Index == Int {
        guard !isEmpty else {
            return text.isEmpty ? [] : [Segment(range: text.startIndex..<text.endIndex, isMatch: false)]
        }
        var segments: [Segment] = []
        var pieceStart = text.startIndex
        var position = text.startIndex
        while position < text.endIndex {
            guard let end = longestTokenEnd(in: text, from: position) else {
                position += 1
                continue
            }
            if pieceStart < position { segments.append(Segment(range: pieceStart..<position, isMatch: false)) }
            segments.append(Segment(range: position..<end, isMatch: true))
            position = end
            pieceStart = end
        }
        if pieceStart < text.endIndex { segments.append(Segment(range: pieceStart..<text.endIndex, isMatch: false)) }
        return segments
    }
}
