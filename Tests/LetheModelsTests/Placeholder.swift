import Testing
import LetheModels
@Test func modelsPlaceholder() {}
