// libpng for Swift (the classic read/write API, driven by the helpers below).
//
// Not the simplified png_image API: it treats 16-bit data as linear, converts gamma and composites alpha onto a
// background, while PIL (whose pixels we match) keeps the stored 8-bit values, takes 16-bit high bytes and
// drops alpha. The classic API with explicit transforms reproduces PIL exactly.
//
// libpng reports errors by calling an error function that must not return; the classic API expects it to
// longjmp back to a setjmp in the caller. Swift cannot call setjmp, so the small C helpers below own every
// setjmp: each one sets its jump target before calling into libpng, turns a libpng error into a return value
// plus a message, and never lets libpng print to stderr or abort the process.
#ifndef LETHE_CPNG_SHIM_H
#define LETHE_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LETHE_PNG_MESSAGE_CAPACITY 256

// ---------------------------------------------------------------------------------------------------------
// Shared error handling.

static inline void lethe_png_copy_message(char *destination, const char *message) {
    if (destination[0] != '\0') return; // keep the first error: later ones are consequences of it
    strncpy(destination, message != NULL ? message : "unknown libpng error", LETHE_PNG_MESSAGE_CAPACITY - 1);
    destination[LETHE_PNG_MESSAGE_CAPACITY - 1] = '\0';
}

// ---------------------------------------------------------------------------------------------------------
// Decoding from memory to 8-bit RGB, in two calls (header, then pixels) so Swift can allocate the pixels.

typedef struct lethe_png_decoder {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t offset;
    /// Set when libpng asked for bytes past the end of the data: the file is truncated.
    int reached_end;
    int passes;
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlace_type;
    char message[LETHE_PNG_MESSAGE_CAPACITY];
} lethe_png_decoder;

static inline void lethe_png_decoder_error(png_structp png, png_const_charp message) {
    lethe_png_decoder *decoder = (lethe_png_decoder *)png_get_error_ptr(png);
    lethe_png_copy_message(decoder->message, message);
    png_longjmp(png, 1);
}

static inline void lethe_png_ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static inline void lethe_png_decoder_read(png_structp png, png_bytep destination, size_t length) {
    lethe_png_decoder *decoder = (lethe_png_decoder *)png_get_io_ptr(png);
    if (length > decoder->size - decoder->offset) {
        decoder->reached_end = 1;
        png_error(png, "the data ends before the image is complete");
    }
    memcpy(destination, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

/// A decoder reading `size` bytes at `data` (which must outlive it), or NULL when out of memory.
static inline lethe_png_decoder *lethe_png_decoder_create(const unsigned char *data, size_t size) {
    lethe_png_decoder *decoder = (lethe_png_decoder *)calloc(1, sizeof(lethe_png_decoder));
    if (decoder == NULL) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(
        PNG_LIBPNG_VER_STRING, decoder, lethe_png_decoder_error, lethe_png_ignore_warning);
    if (decoder->png != NULL) decoder->info = png_create_info_struct(decoder->png);
    if (decoder->png == NULL || decoder->info == NULL) {
        if (decoder->png != NULL) png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, lethe_png_decoder_read);
    return decoder;
}

/// Reads the header and sets up the transforms to 8-bit RGB the way PIL's `convert("RGB")` sees the file:
/// palette → RGB, 1/2/4-bit gray scaled to 8 bits, 16-bit samples keep their high byte, alpha (and tRNS) dropped
/// without compositing, gray replicated to RGB, interlaced passes combined; no gamma or colour-space change.
/// Returns 1 on success, 0 with `message` set on failure.
__attribute__((noinline)) static int lethe_png_decoder_read_header(lethe_png_decoder *decoder) {
    if (setjmp(png_jmpbuf(decoder->png))) return 0;
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    png_read_info(png, info);
    decoder->width = png_get_image_width(png, info);
    decoder->height = png_get_image_height(png, info);
    decoder->bit_depth = png_get_bit_depth(png, info);
    decoder->color_type = png_get_color_type(png, info);
    decoder->interlace_type = png_get_interlace_type(png, info);
    if (decoder->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (decoder->color_type == PNG_COLOR_TYPE_GRAY && decoder->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (decoder->bit_depth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    if ((decoder->color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    decoder->passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8) {
        png_error(png, "libpng could not convert this colour type to 8-bit RGB");
    }
    return 1;
}

/// Decodes the pixels as 8-bit RGB into `pixels` (height rows of `row_stride` bytes, at least width * 3 each).
/// Returns 1 on success, 0 with `message` set on failure.
__attribute__((noinline)) static int lethe_png_decoder_read_pixels(
    lethe_png_decoder *decoder, unsigned char *pixels, size_t row_stride
) {
    if (setjmp(png_jmpbuf(decoder->png))) return 0;
    for (int pass = 0; pass < decoder->passes; pass++) {
        for (uint32_t row = 0; row < decoder->height; row++) {
            // With interlace handling on, each pass fills in its own pixels of the same row buffers.
            png_read_row(decoder->png, pixels + (size_t)row * row_stride, NULL);
        }
    }
    return 1;
}

static inline void lethe_png_decoder_destroy(lethe_png_decoder *decoder) {
    if (decoder == NULL) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder);
}

// ---------------------------------------------------------------------------------------------------------
// Encoding 8-bit RGB to PNG bytes in memory (IHDR, IDAT, IEND only, like PIL's default save).

typedef struct lethe_png_encoded {
    unsigned char *data;
    size_t size;
    size_t capacity;
    char message[LETHE_PNG_MESSAGE_CAPACITY];
} lethe_png_encoded;

static inline void lethe_png_encoder_error(png_structp png, png_const_charp message) {
    lethe_png_encoded *output = (lethe_png_encoded *)png_get_error_ptr(png);
    lethe_png_copy_message(output->message, message);
    png_longjmp(png, 1);
}

static inline void lethe_png_encoder_write(png_structp png, png_bytep data, size_t length) {
    lethe_png_encoded *output = (lethe_png_encoded *)png_get_io_ptr(png);
    if (length > output->capacity - output->size) {
        size_t capacity = output->capacity < 4096 ? 4096 : output->capacity;
        while (length > capacity - output->size) {
            if (capacity > SIZE_MAX / 2) png_error(png, "the encoded PNG does not fit in memory");
            capacity *= 2;
        }
        unsigned char *grown = (unsigned char *)realloc(output->data, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding the PNG");
        output->data = grown;
        output->capacity = capacity;
    }
    memcpy(output->data + output->size, data, length);
    output->size += length;
}

static inline void lethe_png_encoder_flush(png_structp png) {
    (void)png;
}

/// Encodes `height` rows of `width` 8-bit RGB pixels (`row_stride` bytes apart) as a non-interlaced PNG with
/// zlib level `compression_level` (0-9). On success returns 1 and `output->data` (malloc'ed, free it with
/// lethe_png_encoded_free) holds `output->size` bytes; on failure returns 0 with `output->message` set.
__attribute__((noinline)) static int lethe_png_encode_rgb8(
    const unsigned char *pixels, uint32_t width, uint32_t height, size_t row_stride, int compression_level,
    lethe_png_encoded *output
) {
    png_structp png = png_create_write_struct(
        PNG_LIBPNG_VER_STRING, output, lethe_png_encoder_error, lethe_png_ignore_warning);
    if (png == NULL) {
        lethe_png_copy_message(output->message, "libpng could not create a write structure");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        lethe_png_copy_message(output->message, "libpng could not create an info structure");
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, output, lethe_png_encoder_write, lethe_png_encoder_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t row = 0; row < height; row++) {
        png_write_row(png, pixels + (size_t)row * row_stride);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 1;
}

static inline void lethe_png_encoded_free(lethe_png_encoded *output) {
    free(output->data);
    output->data = NULL;
    output->size = 0;
    output->capacity = 0;
}

#endif
