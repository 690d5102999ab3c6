import Testing
import LetheDistributed
@Test func distPlaceholder() {}
