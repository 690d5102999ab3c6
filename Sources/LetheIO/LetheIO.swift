import CZstd
public enum LetheIOModule { public static func v() -> String { String(cString: ZSTD_versionString()) } }
