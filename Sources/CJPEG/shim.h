// libjpeg(-turbo) for Swift. jpeglib.h needs stdio.h (FILE) and size_t declared before it.
#ifndef LETHE_CJPEG_SHIM_H
#define LETHE_CJPEG_SHIM_H
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#endif
