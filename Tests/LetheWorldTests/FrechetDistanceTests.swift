import Foundation
import LetheTensor
import LetheTestSupport
import LetheWorld
import Testing

/// The cases of Tests/Fixtures/references/frechet.json (Scripts/reference/make_frechet_fixtures.py): feature sets
/// and pytorch-fid's distance between them, plus a 50-digit value of the same formula.
private struct FrechetFixture: Decodable {
    struct FeatureSet: Decodable {
        var rows: Int
        var columns: Int
        var values: [Double]

        /// Parsed as doubles and rounded to float32, the path the script checks its shortest decimals against.
        var tensor: Tensor { Tensor(shape: [rows, columns], values: values.map { Float($0) }) }
    }

    struct Case: Decodable {
        var name: String
        var a: FeatureSet
        var b: FeatureSet
        var mean_a: [Double]
        var covariance_a: [Double]
        var distance: Double
        var distance_high_precision: Double
        var offset_used: Bool
    }

    var cases: [Case]

    static func load() throws -> FrechetFixture {
        try JSONDecoder().decode(FrechetFixture.self, from: Data(contentsOf: Fixture.reference("frechet.json")))
    }

    static func named(_ name: String) throws -> Case {
        try #require(try load().cases.first { $0.name == name }, "no case \(name) in frechet.json")
    }
}

@Suite("Fréchet distance")
struct FrechetDistanceTests {
    static let caseNames = ["gaussian-8", "rank-deficient", "identical", "width-1", "relu-12"]

    @Test("The fixture holds exactly the cases tested")
    func fixtureCases() throws {
        #expect(try FrechetFixture.load().cases.map(\.name) == Self.caseNames)
    }

    @Test("Mean and covariance match numpy.mean and numpy.cov(rowvar=False)", arguments: caseNames)
    func statistics(_ name: String) throws {
        let fixture = try FrechetFixture.named(name)
        let statistics = try FeatureStatistics(features: fixture.a.tensor)
        #expect(statistics.count == fixture.a.rows)
        let meanError = RelativeError(statistics.mean, fixture.mean_a).value
        let covarianceError = RelativeError(statistics.covariance.elements, fixture.covariance_a).value
        #expect(meanError <= 1e-12, "\(name): mean")
        #expect(covarianceError <= 1e-12, "\(name): covariance")
        #expect(statistics.covariance == statistics.covariance.transposed(), "\(name): covariance not exactly symmetric")
    }

    /// pytorch-fid's value is the contract (relative 1e-6; absolute 1e-9 for identical sets, whose distance is 0 up to
    /// rounding). Measured (OpenBLAS, x86-64): gaussian-8 5.9e-15, rank-deficient 8.9e-9, identical 2.9e-12 absolute
    /// (pytorch-fid gives −1.8e-12, Lethe +1.1e-12), width-1 0, relu-12 7.9e-15. The rank-deficient gap is scipy's:
    /// its sqrtm of the singular Σ1Σ2 is 8.9e-9 from the 50-digit value, which Lethe matches to the last bit, so
    /// Lethe is also held to the 50-digit value, at 1e-12 relative (measured ≤ 3.7e-15) or 1e-10 absolute for
    /// identical sets.
    @Test("Each case matches pytorch-fid's distance and the 50-digit one", arguments: caseNames)
    func matchesReference(_ name: String) throws {
        let fixture = try FrechetFixture.named(name)
        #expect(!fixture.offset_used, "\(name): pytorch-fid needed its diagonal offset; the reference is not the formula")
        let distance = try FrechetDistance.between(fixture.a.tensor, fixture.b.tensor)
        let (error, exactError) = (abs(distance - fixture.distance), abs(distance - fixture.distance_high_precision))
        if name == "identical" {
            #expect(error <= 1e-9, "\(name): \(distance) against pytorch-fid's \(fixture.distance)")
            #expect(exactError <= 1e-10, "\(name): \(distance) against 0")
        } else {
            #expect(error <= 1e-6 * abs(fixture.distance), "\(name): \(distance) against pytorch-fid's \(fixture.distance)")
            #expect(exactError <= 1e-12 * abs(fixture.distance_high_precision),
                    "\(name): \(distance) against the 50-digit \(fixture.distance_high_precision)")
        }
    }

    /// The computation is not symmetric in its arguments (S is Σ1's root), so this checks its rounding; measured
    /// ≤ 1e-13 relative (relu-12, whose covariances' eigenvalues span the widest range).
    @Test("The distance is symmetric", arguments: caseNames)
    func symmetric(_ name: String) throws {
        let fixture = try FrechetFixture.named(name)
        let (a, b) = (fixture.a.tensor, fixture.b.tensor)
        let forward = try FrechetDistance.between(a, b), backward = try FrechetDistance.between(b, a)
        let bound = name == "identical" ? 1e-9 : 1e-9 * abs(forward)
        #expect(abs(forward - backward) <= bound, "\(name): \(forward) one way, \(backward) the other")
    }

    @Test("Shifting every feature vector by c adds ‖c‖² when the covariances are equal")
    func shift() throws {
        // Binary fractions, so the shift itself adds no rounding.
        let shift: [Double] = [0.5, -1.25, 2, 0, 3, -0.75, 1, 0.25]
        let squaredNorm = shift.reduce(0) { $0 + $1 * $1 }

        // The very same covariance on both sides: only the mean term may change.
        let statistics = try FeatureStatistics(features: try FrechetFixture.named("gaussian-8").a.tensor)
        var shifted = statistics
        shifted.mean = zip(statistics.mean, shift).map { $0 + $1 }
        let baseline = try FrechetDistance.between(statistics, statistics)
        let distance = try FrechetDistance.between(statistics, shifted)
        #expect(abs(distance - baseline - squaredNorm) <= 1e-12 * squaredNorm, "\(distance) − \(baseline) vs \(squaredNorm)")

        // Small integer features, whose shifted copy is exact in float32; the covariances then differ only by the
        // rounding of the two means.
        let (rows, columns) = (40, shift.count)
        var values: [Float] = []
        for row in 0..<rows {
            for column in 0..<columns { values.append(Float((row * 37 + column * 11 + row * column * 5) % 17 - 8)) }
        }
        let features = Tensor(shape: [rows, columns], values: values)
        let moved = Tensor(shape: [rows, columns], values: values.enumerated().map { $1 + Float(shift[$0 % columns]) })
        let covariance = try FeatureStatistics(features: features).covariance
        let covarianceTrace = (0..<columns).reduce(0) { $0 + covariance[$1, $1] }
        let tensorDistance = try FrechetDistance.between(features, moved)
        #expect(abs(tensorDistance - squaredNorm) <= 1e-12 * (squaredNorm + 2 * covarianceTrace),
                "\(tensorDistance) vs \(squaredNorm)")
    }

    @Test("Bad input is refused, naming what is wrong")
    func badInput() throws {
        let good = Tensor(shape: [5, 8], values: (0..<40).map { Float($0 % 7) - Float($0 / 8) })

        #expect(throws: FrechetDistanceError.notAMatrix(shape: [8])) {
            try FrechetDistance.between(Tensor(zeros: [8]), good)
        }
        #expect(throws: FrechetDistanceError.notAMatrix(shape: [2, 5, 8])) {
            try FeatureStatistics(features: Tensor(zeros: [2, 5, 8]))
        }
        #expect(throws: FrechetDistanceError.tooFewRows(rows: 1)) {
            try FrechetDistance.between(good, Tensor(zeros: [1, 8]))
        }
        #expect(throws: FrechetDistanceError.widthMismatch(first: 8, second: 7)) {
            try FrechetDistance.between(good, Tensor(zeros: [6, 7]))
        }

        var values = good.toArray()
        values[2 * 8 + 3] = .nan
        let error = try #require(throws: FrechetDistanceError.self) {
            try FrechetDistance.between(good, Tensor(shape: [5, 8], values: values))
        }
        guard case .nonFiniteFeature(row: 2, column: 3, let value) = error, value.isNaN else {
            Issue.record("expected NaN at feature vector 2, feature 3; got \(error)")
            return
        }
        values[2 * 8 + 3] = -.infinity
        #expect(throws: FrechetDistanceError.nonFiniteFeature(row: 2, column: 3, value: -.infinity)) {
            try FeatureStatistics(features: Tensor(shape: [5, 8], values: values))
        }

        let mismatched = FeatureStatistics(count: 5, mean: [0, 0], covariance: .identity(3))
        let statisticsError = try #require(throws: FrechetDistanceError.self) {
            try FrechetDistance.between(try FeatureStatistics(features: good), mismatched)
        }
        guard case .invalidStatistics(set: "second", _) = statisticsError else {
            Issue.record("expected the second set's statistics to be refused; got \(statisticsError)")
            return
        }

        #expect(FrechetDistanceError.notAMatrix(shape: [8]).description.contains("2-D tensor [N, D]"))
        #expect(FrechetDistanceError.tooFewRows(rows: 1).description.contains("at least 2 feature vectors"))
        #expect(FrechetDistanceError.widthMismatch(first: 8, second: 7).description.contains("8 features per vector against 7"))
        #expect(error.description.contains("Feature vector 2 has nan at feature 3"))
        #expect(statisticsError.description.contains("mean of width 2 with a 3×3 covariance"))
    }
}
