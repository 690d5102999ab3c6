import LetheTensor

/// Mean and covariance of a set of feature vectors (rows), float64; covariance with N−1 (numpy.cov(rowvar=False)).
///
/// The statistics are accumulated in float64 from the float32 features, whereas pytorch-fid takes the mean of its
/// float32 activations in float32: the two means agree to about 1e-7 relative.
public struct FeatureStatistics: Sendable, Equatable {
    /// How many feature vectors the statistics were taken over.
    public var count: Int
    /// The mean feature vector (length D).
    public var mean: [Double]
    /// The D×D sample covariance, exactly symmetric.
    public var covariance: DoubleMatrix

    /// Statistics given directly, e.g. a reference set's, saved once and reused.
    public init(count: Int, mean: [Double], covariance: DoubleMatrix) {
        self.count = count
        self.mean = mean
        self.covariance = covariance
    }

    /// The statistics of `features`, an [N, D] tensor with one feature vector per row and N ≥ 2.
    public init(features: Tensor) throws {
        try FrechetDistanceError.requireFeatureMatrix(features)
        let samples = try DoubleMatrix(features)
        let (rows, columns) = (samples.rows, samples.columns)
        try samples.withUnsafeBufferPointer { values in
            for index in 0..<values.count where !values[index].isFinite {
                throw FrechetDistanceError.nonFiniteFeature(
                    row: index / columns, column: index % columns, value: values[index])
            }
        }
        var mean = [Double](repeating: 0, count: columns)
        samples.withUnsafeBufferPointer { values in
            for row in 0..<rows {
                for column in 0..<columns { mean[column] += values[row * columns + column] }
            }
        }
        for column in 0..<columns { mean[column] /= Double(rows) }
        // Centre first, as numpy.cov does: the one-pass Σxxᵀ − N·μμᵀ loses everything to cancellation when the
        // features sit far from the origin compared with their spread.
        var centered = samples
        centered.withUnsafeMutableBufferPointer { values in
            for row in 0..<rows {
                for column in 0..<columns { values[row * columns + column] -= mean[column] }
            }
        }
        // A Gram product (dsyrk) mirrors one triangle, so the covariance is exactly symmetric and the eigensolver
        // accepts it without any tolerance.
        var covariance = DoubleMatrix(rows: columns, columns: columns)
        try covariance.addGram(of: centered, scale: 1 / Double(rows - 1))
        self.init(count: rows, mean: mean, covariance: covariance)
    }

    /// The feature width D.
    public var width: Int { mean.count }
}

/// The Fréchet distance between two Gaussians fitted to sets of feature vectors: FID's formula, as pytorch-fid and
/// clean-fid compute it, on whatever features are given.
public enum FrechetDistance {
    /// ‖μ1−μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr((Σ1 Σ2)^{1/2})
    ///
    /// The last trace is taken without a general matrix square root: with Σ1 = V Λ Vᵀ and S = V Λ^{1/2} Vᵀ,
    /// Σ1Σ2 = S (S Σ2 S) S⁻¹ when Σ1 is invertible (and as a limit otherwise), so (Σ1Σ2)^{1/2} has the eigenvalues
    /// √eig(S Σ2 S) of a symmetric positive semi-definite matrix, which a symmetric eigensolver gives accurately even
    /// when the covariances are singular (fewer vectors than features), where scipy's sqrtm loses digits or returns
    /// non-finite values.
    public static func between(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
        try a.validate(set: "first")
        try b.validate(set: "second")
        guard a.width == b.width else { throw FrechetDistanceError.widthMismatch(first: a.width, second: b.width) }
        let width = a.width

        var meanTerm = 0.0
        for index in 0..<width {
            let difference = a.mean[index] - b.mean[index]
            meanTerm += difference * difference
        }

        // S = (V Λ^{1/4})(V Λ^{1/4})ᵀ: as a Gram product of the transposed factor it is exactly symmetric.
        let (rawValues, vectors) = try a.covariance.symmetricEigendecomposition()
        let values = significant(rawValues)
        var factor = vectors
        factor.withUnsafeMutableBufferPointer { elements in
            for row in 0..<width {
                for column in 0..<width {
                    elements[row * width + column] *= values[column].squareRoot().squareRoot()
                }
            }
        }
        var root = DoubleMatrix(rows: width, columns: width)
        try root.addGram(of: factor.transposed())

        // S Σ2 S is symmetric in exact arithmetic but two gemms leave rounding asymmetry; averaging with the
        // transpose removes it so the symmetric eigensolver sees the matrix the formula means.
        let product = try root.multiplied(by: try b.covariance.multiplied(by: root))
        let symmetric = try product.adding(product.transposed()).scaled(by: 0.5)
        let crossTrace = significant(try symmetric.symmetricEigenvalues()).reduce(0) { $0 + $1.squareRoot() }

        // Not clamped at 0, as pytorch-fid does not clamp: for (nearly) identical sets the traces cancel and rounding
        // can leave a tiny negative value, and a clamp would as easily hide a real error.
        return meanTerm + a.covariance.trace + b.covariance.trace - 2 * crossTrace
    }

    /// `values` with those within rounding of zero set to 0.
    ///
    /// The eigenvalues of a singular PSD matrix (fewer feature vectors than features) that are 0 in exact arithmetic
    /// come back as ±(width · ε · largest) noise, and a square root turns that into √ε ≈ 1e-8 relative error in the
    /// trace; a threshold of the size of that noise (numpy.linalg.matrix_rank's) removes it, and changes a genuine
    /// eigenvalue no more than its own rounding already does. Negative ones would have NaN roots.
    private static func significant(_ values: [Double]) -> [Double] {
        let largest = values.reduce(0) { Swift.max($0, abs($1)) }
        let threshold = largest * Double(values.count) * Double.ulpOfOne
        return values.map { $0 > threshold ? $0 : 0 }
    }

    /// The distance between the statistics of two [N, D] feature tensors (N ≥ 2 in each; the N may differ).
    public static func between(_ a: Tensor, _ b: Tensor) throws -> Double {
        // Shapes first, so a width mismatch is reported before any statistics are computed.
        try FrechetDistanceError.requireFeatureMatrix(a)
        try FrechetDistanceError.requireFeatureMatrix(b)
        guard a.shape[1] == b.shape[1] else {
            throw FrechetDistanceError.widthMismatch(first: a.shape[1], second: b.shape[1])
        }
        return try between(FeatureStatistics(features: a), FeatureStatistics(features: b))
    }
}

/// Why a Fréchet distance could not be computed, naming the shape, row or value at fault.
public enum FrechetDistanceError: Error, CustomStringConvertible, Equatable {
    /// Features given as a tensor that is not [N, D].
    case notAMatrix(shape: [Int])
    /// Fewer than two feature vectors: an N−1 covariance needs at least two.
    case tooFewRows(rows: Int)
    /// The two sets have different feature widths.
    case widthMismatch(first: Int, second: Int)
    /// A feature is NaN or infinite.
    case nonFiniteFeature(row: Int, column: Int, value: Double)
    /// Statistics given directly whose mean, covariance or count do not fit together, or hold non-finite values.
    case invalidStatistics(set: String, reason: String)

    public var description: String {
        switch self {
        case .notAMatrix(let shape):
            "A Fréchet distance needs features as a 2-D tensor [N, D] (one feature vector per row), got shape \(shape)."
        case .tooFewRows(let rows):
            "A Fréchet distance needs at least 2 feature vectors per set to estimate a covariance (it divides by N − 1), "
                + "got \(rows)."
        case .widthMismatch(let first, let second):
            "The two feature sets have different widths: \(first) features per vector against \(second)."
        case .nonFiniteFeature(let row, let column, let value):
            "Feature vector \(row) has \(value) at feature \(column); features must be finite."
        case .invalidStatistics(let set, let reason):
            "The \(set) set's statistics are invalid: \(reason)."
        }
    }

    static func requireFeatureMatrix(_ features: Tensor) throws {
        guard features.rank == 2 else { throw notAMatrix(shape: features.shape) }
        guard features.shape[0] >= 2 else { throw tooFewRows(rows: features.shape[0]) }
    }
}

extension FeatureStatistics {
    /// Checks what `init(features:)` guarantees, for statistics built or edited by hand.
    fileprivate func validate(set: String) throws {
        func invalid(_ reason: String) -> FrechetDistanceError { .invalidStatistics(set: set, reason: reason) }
        guard count >= 2 else { throw FrechetDistanceError.tooFewRows(rows: count) }
        guard covariance.rows == width, covariance.columns == width else {
            throw invalid("a mean of width \(width) with a \(covariance.rows)×\(covariance.columns) covariance")
        }
        if let index = mean.firstIndex(where: { !$0.isFinite }) { throw invalid("mean[\(index)] is \(mean[index])") }
        if let index = covariance.elements.firstIndex(where: { !$0.isFinite }) {
            throw invalid("covariance(\(index / width), \(index % width)) is \(covariance.elements[index])")
        }
    }
}

extension DoubleMatrix {
    /// The sum of the diagonal.
    fileprivate var trace: Double {
        (0..<Swift.min(rows, columns)).reduce(0) { $0 + self[$1, $1] }
    }
}
