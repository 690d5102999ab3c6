/// Schedulers and the text-to-image pipeline arrive here.
public enum LetheDiffusion {}
