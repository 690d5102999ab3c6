import Foundation
import LetheDistributed
import LetheErasure
import LetheTelemetry
import Testing

/// The `timings` block of a training report: optional, so reports written before it still decode.
@Suite struct ReportTimingsTests {
    @Test func aReportWithoutTimingsStillDecodes() throws {
        let old = """
            {"concepts": [], "method": "textual-inversion", "model": "m", "ranks": 1, "settings": {}, "timings": {"train": 1.5},
             "training": {"gradient_norm_per_step": [0.5], "learning_rate_per_step": [0.001], "loss_per_step": [0.25]}}
            """
        let report = try ErasureReport(json: Data(old.utf8))
        #expect(report.training?.lossPerStep == [0.25])
        #expect(report.training?.timings == nil)
    }

    @Test func timingsGatheredOnOneProcessRoundTrip() throws {
        let timer = TrainingTimer()
        timer.recording {
            Activity.step(1) { Activity.measure(.forward, "forward") {} }
        }
        let timings = try TrainingTimings.gather(timer, communicator: .singleProcess())
        #expect(timings.ranks.map(\.rank) == [0] && timings.ranks[0].steps == 1)
        var report = ErasureReport(method: "forget-me-not", model: "m", ranks: 1)
        report.training = ErasureReport.Training(lossPerStep: [1], gradientNormPerStep: [1], learningRatePerStep: [1])
        report.training?.timings = timings
        let json = try report.json()
        #expect(String(decoding: json, as: UTF8.self).contains("\"timings\" : {\n      \"ranks\""))
        #expect(try ErasureReport(json: json).training?.timings == timings)
    }
}
