/// What one head of the judge says about one image: a probability per label.
public struct JudgeHeadPrediction: Sendable, Equatable {
    /// The head's labels (the configuration's words), in output order.
    public let labels: [String]
    public let probabilities: [Double]

    public init(labels: [String], probabilities: [Double]) {
        precondition(labels.count == probabilities.count && !labels.isEmpty, "one probability per label")
        self.labels = labels
        self.probabilities = probabilities
    }

    /// The most probable label's index (the first of equals).
    public var topIndex: Int {
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return best
    }

    public var top: String { labels[topIndex] }
    /// For a multi-label head: the labels judged present (probability above one half), in label order.
    public var presentIndices: [Int] { probabilities.indices.filter { probabilities[$0] > 0.5 } }
    public var present: [String] { presentIndices.map { labels[$0] } }
}

/// The judge's verdict on one image: the shapes and colours it shows (each present or not, by its sigmoid) and its
/// artist (one of them, by softmax).
public struct WorldJudgePrediction: Sendable, Equatable {
    public let shape: JudgeHeadPrediction
    public let color: JudgeHeadPrediction
    public let artist: JudgeHeadPrediction
}
