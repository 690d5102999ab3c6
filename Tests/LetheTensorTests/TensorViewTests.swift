import Testing
import LetheTensor
@Test func placeholder() { #expect(Tensor(zeros: [2]).count == 2) }
