# Sourced by the scripts that run mpirun on one machine: sets `mpirun_args` and allows running as root.
#
# One node, shared memory only, the same on any machine:
#   --oversubscribe               more ranks than cores (CI machines may have 2).
#   --mca pml ob1 --mca btl self,vader
#                                 shared memory and loopback only; no probing of UCX, InfiniBand or TCP devices,
#                                 which in containers prints warnings or waits on interfaces that are not there.
#   --mca btl_vader_single_copy_mechanism none
#                                 vader's default single copy for large messages uses CMA (process_vm_readv),
#                                 which needs ptrace rights that container seccomp profiles usually deny; large
#                                 messages then fail with "Read -1, expected ..., errno = 1". Copying through the
#                                 shared-memory segment works everywhere.
# LETHE_MPIRUN_ARGS replaces these options (another MPI, a real cluster).

# CI and containers run as root, which Open MPI refuses unless both variables are set.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

mpirun_args=(--oversubscribe --mca pml ob1 --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
if [[ -n "${LETHE_MPIRUN_ARGS:-}" ]]; then
    read -r -a mpirun_args <<<"$LETHE_MPIRUN_ARGS"
fi
