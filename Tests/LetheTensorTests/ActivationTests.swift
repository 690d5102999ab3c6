import Foundation
import LetheTestSupport
import Testing
import LetheTensor

@Suite struct ActivationTests {
    let inputs: [Float] = [-6, -2.5, -1, -0.1, 0, 0.1, 1, 2.5, 6]
    var tensor: Tensor { Tensor(shape: [inputs.count], values: inputs) }

    private func check(_ actual: Tensor, _ reference: (Double) -> Double) {
        #expect(RelativeError(actual.toArray(), inputs.map { reference(Double($0)) },
                              elementwiseFloor: 1e-3).elementwise < 1e-5)
    }

    @Test func silu() { check(tensor.silu()) { $0 / (1 + Foundation.exp(-$0)) } }
    @Test func sigmoid() { check(tensor.sigmoid()) { 1 / (1 + Foundation.exp(-$0)) } }
    @Test func gelu() { check(tensor.gelu()) { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) } }
    @Test func geluTanh() {
        check(tensor.geluTanh()) { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
    }
    @Test func quickGelu() { check(tensor.quickGelu()) { $0 / (1 + Foundation.exp(-1.702 * $0)) } }

    @Test func knownValues() {
        #expect(Tensor(shape: [1], values: [0]).silu().scalarValue == 0)
        #expect(abs(Tensor(shape: [1], values: [1]).gelu().scalarValue - 0.8413447) < 1e-6)
    }

    @Test func gegluMultipliesValueByGeluOfGate() {
        let input = Tensor(shape: [2, 4], values: [1, 2, 0.5, -1, -3, 4, 2, 1])
        let output = input.geglu()
        #expect(output.shape == [2, 2])
        let gelu = { (x: Double) in 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())) }
        let expected = [1 * gelu(0.5), 2 * gelu(-1), -3 * gelu(2), 4 * gelu(1)]
        #expect(RelativeError(output.toArray(), expected, elementwiseFloor: 1e-3).elementwise < 1e-5)
    }
}
