import LetheModels
import LetheTensor

/// The world's judge: a small convolutional network that says which shapes, colours and artist an image shows,
/// to measure what an erased model still draws. A stem unit (stride 2 by default), stages of a residual block and a
/// halving (64×64 → 32×32 → 4×4 with the standard sizes), a global max pool to a feature vector (also the embedding
/// a Fréchet distance between image sets is taken on), and three linear heads: shapes and colours are multi-label
/// (a picture holds one or two objects: each label is present or not, by its sigmoid), the artist single-label
/// (softmax over the artists).
public struct WorldJudge: Sendable {
    public let configuration: WorldJudgeConfiguration
    public let stem: JudgeConvUnit
    public let stages: [JudgeStage]
    public let shapeHead: Linear
    public let colorHead: Linear
    public let artistHead: Linear
    /// Every weight, in the order the model asked for them, and where each lies in that arena.
    public let parameters: TensorStorage
    let parameterLayout: [(name: String, shape: [Int], offset: Int)]
    public let parameterCount: Int

    /// Builds the judge of `configuration` from `store` (the caller runs `store.finish()`; `load(from:)` does).
    /// Names: `stem.{conv, norm}`, `stages.N.residual.{norm1, conv1, norm2, conv2}`, `stages.N.downsample.{conv, norm}`,
    /// `{shape, color, artist}_head`.
    public init(configuration: WorldJudgeConfiguration, weights store: WeightStore, source: String = "config.json") throws {
        try configuration.validate(source: source)
        self.configuration = configuration
        let (groups, epsilon, widths) = (configuration.normGroups, Float(configuration.normEpsilon), configuration.channels)
        stem = try JudgeConvUnit(store, "stem", inChannels: 3, outChannels: widths[0], stride: configuration.stemStride,
                                 groups: groups, epsilon: epsilon)
        stages = try (0..<configuration.stageCount).map { index in
            try JudgeStage(store, "stages.\(index)", inChannels: widths[index], outChannels: widths[index + 1],
                           groups: groups, epsilon: epsilon)
        }
        let features = configuration.featureWidth
        shapeHead = try Linear(store, "shape_head", inFeatures: features, outFeatures: configuration.shapes.count)
        colorHead = try Linear(store, "color_head", inFeatures: features, outFeatures: configuration.colors.count)
        artistHead = try Linear(store, "artist_head", inFeatures: features, outFeatures: configuration.artists.count)
        parameters = store.arena
        parameterLayout = store.layout.map { ($0.name, $0.shape, store.offsets[$0.name] ?? 0) }
        parameterCount = store.parameterCount
    }

    /// Every weight by its name (PyTorch module paths), in the order the model asked for them.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameterLayout.map { ($0.name, Tensor(storage: parameters, shape: $0.shape, offset: $0.offset)) }
    }

    /// The side of the feature map the pool takes its maxima over.
    var pooledSide: Int { (configuration.imageSize / configuration.stemStride) >> configuration.stageCount }
}

/// What one forward pass gives for a batch: the pooled features and each head's logits.
public struct WorldJudgeOutput: Sendable {
    /// [B, features]: the penultimate activations.
    public let features: Tensor
    /// [B, shapes], [B, colours], [B, artists].
    public let shapeLogits: Tensor
    public let colorLogits: Tensor
    public let artistLogits: Tensor

    public init(features: Tensor, shapeLogits: Tensor, colorLogits: Tensor, artistLogits: Tensor) {
        self.features = features
        self.shapeLogits = shapeLogits
        self.colorLogits = colorLogits
        self.artistLogits = artistLogits
    }

    /// dL/d(logits) of each head, for `WorldJudge.backward`.
    public struct Gradient: Sendable {
        public let shapeLogits: Tensor
        public let colorLogits: Tensor
        public let artistLogits: Tensor

        public init(shapeLogits: Tensor, colorLogits: Tensor, artistLogits: Tensor) {
            self.shapeLogits = shapeLogits
            self.colorLogits = colorLogits
            self.artistLogits = artistLogits
        }
    }
}

extension WorldJudge {
    /// images [B, 3, S, S] in [−1, 1] (S the configuration's image size) → features and logits, saving what
    /// `backward` needs on a recording tape.
    public func forward(_ images: Tensor, tape: ActivationTape? = nil) -> WorldJudgeOutput {
        let side = configuration.imageSize
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == side && images.shape[3] == side,
                     "the judge takes [B, 3, \(side), \(side)] images, got \(images.shape)")
        var x = stem.forward(images, tape: tape)
        for stage in stages { x = stage.forward(x, tape: tape) }
        let (features, positions) = GlobalMaxPool.forward(x)
        tape?.save(positions)
        return WorldJudgeOutput(features: features, shapeLogits: shapeHead.forward(features, tape: tape),
                                colorLogits: colorHead.forward(features, tape: tape),
                                artistLogits: artistHead.forward(features, tape: tape))
    }

    /// The backward pass of `forward`: accumulates the parameter gradients and returns dL/d(images) when asked
    /// (a check of the gradients, or an attack on the judge; training does not need it).
    @discardableResult
    public func backward(_ gradient: WorldJudgeOutput.Gradient, tape: ActivationTape, gradients: ParameterGradients,
                         computeInputGradient: Bool = false) -> Tensor? {
        // The heads popped in the reverse of their forward order; each read the same features.
        let fromArtist = artistHead.backward(gradient.artistLogits, tape: tape, gradients: gradients)!
        let fromColor = colorHead.backward(gradient.colorLogits, tape: tape, gradients: gradients)!
        let fromShape = shapeHead.backward(gradient.shapeLogits, tape: tape, gradients: gradients)!
        let featureGradient = fromArtist + fromColor + fromShape
        let positions: [Int] = tape.restore()
        var x = GlobalMaxPool.backward(featureGradient, positions: positions, side: pooledSide)
        for stage in stages.reversed() { x = stage.backward(x, tape: tape, gradients: gradients) }
        return stem.backward(x, tape: tape, gradients: gradients, computeInputGradient: computeInputGradient)
    }
}
