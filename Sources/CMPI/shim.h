// Open MPI for Swift. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over the
// addresses of global structs, which Swift cannot import; these getters hand them over as plain values.
#ifndef LETHE_CMPI_SHIM_H
#define LETHE_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm lethe_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm lethe_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype lethe_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype lethe_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lethe_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype lethe_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype lethe_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype lethe_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op lethe_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op lethe_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op lethe_mpi_min(void) { return MPI_MIN; }
static inline void *lethe_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int lethe_mpi_success(void) { return MPI_SUCCESS; }
static inline int lethe_mpi_undefined(void) { return MPI_UNDEFINED; }
static inline int lethe_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
static inline int lethe_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int lethe_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int lethe_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Status *lethe_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler lethe_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }

#endif
