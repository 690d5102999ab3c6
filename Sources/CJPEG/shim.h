// libjpeg(-turbo) for Swift: decoding, and encoding (for measuring how marks survive re-compression). jpeglib.h needs stdio.h (FILE) and size_t declared before it.
//
// libjpeg's default error handler prints and calls exit(), and its error_exit must not return. Swift cannot
// call setjmp, so the small C helpers below own every setjmp: they install an error manager whose error_exit
// records the message and longjmps back into the helper, which then returns failure to Swift.
#ifndef LETHE_CJPEG_SHIM_H
#define LETHE_CJPEG_SHIM_H
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct lethe_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr error_manager;
    jmp_buf jump;
    int created;
    /// Set when the data ended before the image did (libjpeg's "Premature end of JPEG file").
    int truncated;
    /// Set when the error is a valid file using a feature this libjpeg build cannot decode (12-bit samples,
    /// lossless or hierarchical processes, an impossible colour conversion).
    int unsupported;
    /// Output colour components: 3 (RGB) or 4 (CMYK as libjpeg stores it, converted to RGB by the caller).
    int output_components;
    char message[JMSG_LENGTH_MAX];
} lethe_jpeg_decoder;

static inline void lethe_jpeg_error_exit(j_common_ptr cinfo) {
    lethe_jpeg_decoder *decoder = (lethe_jpeg_decoder *)cinfo->client_data;
    if (decoder->message[0] == '\0') {
        (*cinfo->err->format_message)(cinfo, decoder->message);
        int code = cinfo->err->msg_code;
        decoder->unsupported = code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED
            || code == JERR_CONVERSION_NOTIMPL || code == JERR_NOT_COMPILED;
    }
    longjmp(decoder->jump, 1);
}

static inline void lethe_jpeg_emit_message(j_common_ptr cinfo, int level) {
    // Level -1 is a warning about corrupt data. libjpeg pads a file that ends early with gray and goes on;
    // PIL refuses such a file ("image file is truncated"), and so do we. Other warnings are tolerated, as PIL
    // tolerates them.
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        lethe_jpeg_decoder *decoder = (lethe_jpeg_decoder *)cinfo->client_data;
        decoder->truncated = 1;
        lethe_jpeg_error_exit(cinfo);
    }
    if (level == -1) cinfo->err->num_warnings++;
}

static inline void lethe_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo; // never print
}

/// A decoder, or NULL when out of memory.
static inline lethe_jpeg_decoder *lethe_jpeg_decoder_create(void) {
    lethe_jpeg_decoder *decoder = (lethe_jpeg_decoder *)calloc(1, sizeof(lethe_jpeg_decoder));
    if (decoder == NULL) return NULL;
    decoder->cinfo.err = jpeg_std_error(&decoder->error_manager);
    decoder->error_manager.error_exit = lethe_jpeg_error_exit;
    decoder->error_manager.emit_message = lethe_jpeg_emit_message;
    decoder->error_manager.output_message = lethe_jpeg_output_message;
    decoder->cinfo.client_data = decoder;
    return decoder;
}

/// Reads the header of the `size` bytes at `data` (which must outlive the decoder) and starts decompression:
/// YCbCr, RGB and grayscale come out as RGB; CMYK and YCCK come out as CMYK. Afterwards
/// `cinfo.output_width`, `cinfo.output_height` and `output_components` describe the pixels.
/// Returns 1 on success, 0 with `message` set on failure, 2 when the header declares more than `max_pixels`
/// pixels (`cinfo.image_width` and `image_height` then say how many): decompression is not started, since for a
/// progressive file libjpeg would allocate buffers for the whole image first (gigabytes for a forged header).
__attribute__((noinline)) static int lethe_jpeg_decoder_start(
    lethe_jpeg_decoder *decoder, const unsigned char *data, unsigned long size, unsigned long long max_pixels
) {
    if (setjmp(decoder->jump)) return 0;
    decoder->created = 1; // destroying a zeroed, half-created struct is safe
    jpeg_create_decompress(&decoder->cinfo);
    decoder->cinfo.client_data = decoder; // jpeg_create_decompress clears the struct except err
    jpeg_mem_src(&decoder->cinfo, data, size);
    jpeg_read_header(&decoder->cinfo, TRUE);
    if ((unsigned long long)decoder->cinfo.image_width * decoder->cinfo.image_height > max_pixels) return 2;
    switch (decoder->cinfo.jpeg_color_space) {
    case JCS_CMYK:
    case JCS_YCCK:
        decoder->cinfo.out_color_space = JCS_CMYK;
        break;
    default:
        decoder->cinfo.out_color_space = JCS_RGB;
        break;
    }
    jpeg_start_decompress(&decoder->cinfo);
    decoder->output_components = decoder->cinfo.output_components;
    return 1;
}

/// Decodes every scanline into `pixels` (output_height rows of `row_stride` bytes).
/// Returns 1 on success, 0 with `message` set on failure.
__attribute__((noinline)) static int lethe_jpeg_decoder_read_pixels(
    lethe_jpeg_decoder *decoder, unsigned char *pixels, size_t row_stride
) {
    if (setjmp(decoder->jump)) return 0;
    while (decoder->cinfo.output_scanline < decoder->cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)decoder->cinfo.output_scanline * row_stride;
        jpeg_read_scanlines(&decoder->cinfo, &row, 1);
    }
    return 1;
}

static inline void lethe_jpeg_decoder_destroy(lethe_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder);
}

/// An encoder: the compressor, its error manager and the output buffer libjpeg allocates (jpeg_mem_dest).
typedef struct lethe_jpeg_encoder {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr error_manager;
    jmp_buf jump;
    int created;
    unsigned char *buffer;
    unsigned long size;
    char message[JMSG_LENGTH_MAX];
} lethe_jpeg_encoder;

static inline void lethe_jpeg_encoder_error_exit(j_common_ptr cinfo) {
    lethe_jpeg_encoder *encoder = (lethe_jpeg_encoder *)cinfo->client_data;
    if (encoder->message[0] == '\0') (*cinfo->err->format_message)(cinfo, encoder->message);
    longjmp(encoder->jump, 1);
}

/// An encoder, or NULL when out of memory.
static inline lethe_jpeg_encoder *lethe_jpeg_encoder_create(void) {
    lethe_jpeg_encoder *encoder = (lethe_jpeg_encoder *)calloc(1, sizeof(lethe_jpeg_encoder));
    if (encoder == NULL) return NULL;
    encoder->cinfo.err = jpeg_std_error(&encoder->error_manager);
    encoder->error_manager.error_exit = lethe_jpeg_encoder_error_exit;
    encoder->error_manager.output_message = lethe_jpeg_output_message;
    encoder->cinfo.client_data = encoder;
    return encoder;
}

/// Compresses `height` rows of `width` RGB pixels (3 bytes each, no padding) with libjpeg's defaults at
/// `quality` (1-100; 4:2:0 chroma subsampling, as PIL's save uses them) into `buffer` / `size`.
/// Returns 1 on success, 0 with `message` set on failure.
__attribute__((noinline)) static int lethe_jpeg_encode_rgb(
    lethe_jpeg_encoder *encoder, const unsigned char *pixels, unsigned int width, unsigned int height, int quality
) {
    if (setjmp(encoder->jump)) return 0;
    encoder->created = 1;
    jpeg_create_compress(&encoder->cinfo);
    encoder->cinfo.client_data = encoder;
    jpeg_mem_dest(&encoder->cinfo, &encoder->buffer, &encoder->size);
    encoder->cinfo.image_width = width;
    encoder->cinfo.image_height = height;
    encoder->cinfo.input_components = 3;
    encoder->cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&encoder->cinfo);
    jpeg_set_quality(&encoder->cinfo, quality, TRUE);
    jpeg_start_compress(&encoder->cinfo, TRUE);
    while (encoder->cinfo.next_scanline < encoder->cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)encoder->cinfo.next_scanline * width * 3);
        jpeg_write_scanlines(&encoder->cinfo, &row, 1);
    }
    jpeg_finish_compress(&encoder->cinfo);
    return 1;
}

static inline void lethe_jpeg_encoder_destroy(lethe_jpeg_encoder *encoder) {
    if (encoder == NULL) return;
    if (encoder->created) jpeg_destroy_compress(&encoder->cinfo);
    free(encoder->buffer);
    free(encoder);
}

#endif
