import LetheTensor

extension CLIPTextModel {
    /// The position transformers pools for each sequence: the first `eos_token_id`, or position 0 if there is
    /// none; with the legacy `eos_token_id` 2, the first position of the largest id (the EOS id of CLIP's
    /// vocabulary). Nil when the config has no eos_token_id.
    public func pooledPositions(_ inputIDs: CLIPTextTokenIDs) -> [Int]? {
        guard let eos = configuration.eosTokenID else { return nil }
        return (0..<inputIDs.batch).map { sequence in
            let row = inputIDs.row(sequence)
            let start = row.startIndex
            if eos == 2 {
                // torch.argmax returns the first maximal index; the ids are cast to int32 first.
                var best = start
                for index in row.indices where Int32(truncatingIfNeeded: row[index]) > Int32(truncatingIfNeeded: row[best]) {
                    best = index
                }
                return best - start
            }
            return (row.firstIndex(of: eos) ?? start) - start
        }
    }

    /// `lastHiddenState` [batch, length, hidden] at each sequence's pooled position → [batch, hidden].
    public func pooledOutput(_ lastHiddenState: Tensor, inputIDs: CLIPTextTokenIDs) -> Tensor? {
        guard let positions = pooledPositions(inputIDs) else { return nil }
        let hidden = lastHiddenState.contiguous()
        let (length, width) = (hidden.shape[1], hidden.shape[2])
        let result = Tensor(zeros: [positions.count, width])
        for (sequence, position) in positions.enumerated() {
            (result.pointer + sequence * width).update(from: hidden.pointer + (sequence * length + position) * width,
                                                       count: width)
        }
        return result
    }
}
