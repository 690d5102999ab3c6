// libpng for Swift (the simplified png_image API and the classic read/write API).
#ifndef LETHE_CPNG_SHIM_H
#define LETHE_CPNG_SHIM_H
#include <png.h>
#endif
