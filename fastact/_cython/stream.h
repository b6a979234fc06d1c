/* Streaming (non-temporal) stores: copy a block from cache to memory without first reading
 * the destination's cache lines (the write-allocate traffic of an ordinary store), so an
 * out-of-place pass over arrays larger than the caches moves 3 streams, not 4 (2, not 3, for
 * a forward pass). SSE2 is part of x86-64, so no dispatch on the instruction set is needed;
 * elsewhere the copy is a memcpy. fa_stream_fence() orders the stores before the caller's
 * (and other threads') later reads.
 */
#ifndef FASTACT_STREAM_H
#define FASTACT_STREAM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>

static inline void fa_stream_f32(const float *src, float *dst, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i < n && ((uintptr_t)(dst + i) & 15); i++) dst[i] = src[i];
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
    for (; i < n; i++) dst[i] = src[i];
}

static inline void fa_stream_f64(const double *src, double *dst, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i < n && ((uintptr_t)(dst + i) & 15); i++) dst[i] = src[i];
    for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
    for (; i < n; i++) dst[i] = src[i];
}

static inline void fa_stream_fence(void) { _mm_sfence(); }
#else
static inline void fa_stream_f32(const float *src, float *dst, ptrdiff_t n) { memcpy(dst, src, n * sizeof *dst); }
static inline void fa_stream_f64(const double *src, double *dst, ptrdiff_t n) { memcpy(dst, src, n * sizeof *dst); }
static inline void fa_stream_fence(void) {}
#endif

#endif
