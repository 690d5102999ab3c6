import CMPI
public enum LetheDistributedModule { public static func version() -> Int32 { lethe_mpi_success() } }
