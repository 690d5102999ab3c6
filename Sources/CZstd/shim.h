// zstd for Swift. ZSTD_CONTENTSIZE_* are macros over 64-bit constants; the getters keep them typed.
// zstd_errors.h brings ZSTD_getErrorCode and the ZSTD_ErrorCode enum, used to tell truncation,
// corruption and trailing data apart.
#ifndef LETHE_CZSTD_SHIM_H
#define LETHE_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>

static inline unsigned long long lethe_zstd_contentsize_unknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
static inline unsigned long long lethe_zstd_contentsize_error(void) { return ZSTD_CONTENTSIZE_ERROR; }

#endif
