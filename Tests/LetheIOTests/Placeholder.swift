import Testing
import LetheIO
@Test func ioPlaceholder() {}
