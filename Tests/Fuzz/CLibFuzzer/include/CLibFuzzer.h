#ifndef LETHE_CLIBFUZZER_H
#define LETHE_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, which the fuzz targets call from their own `main`: SwiftPM links every Swift executable
/// with `main` renamed to the module's entry point, so libFuzzer's own `main` cannot be used. Defined by the
/// libFuzzer runtime that `-sanitize=fuzzer` links in; declared only (never called) in a plain build.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
