#include <zlib.h>

/// deflateInit2 is a macro; Swift calls this instead. Raw deflate (no zlib header): gzip's
/// header and trailer are written by the caller.
static inline int pigstyc_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
