import Testing
import LetheDiffusion
@Test func diffusionPlaceholder() {}
