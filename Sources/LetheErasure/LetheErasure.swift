// LetheErasure: the concept-erasure methods (textual inversion, Forget-Me-Not, UCE, RECE), their data-parallel and
// sharded MPI execution, the erased-model folders they write and the erasure report.
