/* Compiled inner loops of dedup (optional: dedup falls back to numpy, with the same
 * results): MinHash signatures (minhash), LSH band keys (band_keys), the screen of
 * LSH bucket pairs by their low bytes (screen, further down) and the fingerprints of
 * the containment search (fingerprints).
 *
 * minhash(flat, counts, a, b, out, width) computes, for every set i (the counts[i]
 * 64-bit shingle hashes of flat after those of the sets before it) and every
 * permutation p, min over the set of (a[p] * mix(x) + b[p]) modulo 2**width: the
 * values datasketch's MinHash gives for the affine32 (width 32: x is the high half of
 * the hash) and affine64 (width 64) schemes, bit for bit.  mix is datasketch's
 * pre-mix, the MurmurHash3 finalizer.  numpy does the same in three passes over
 * memory per permutation; here each value is read once and the minima stay in cache.
 *
 * Buffers come through the buffer protocol (no numpy headers needed to build):
 * flat uint64[N], counts int64[n], a and b of the width's type [P], out of the
 * width's type [n * P] (row i holds set i's P values); formats and sizes are checked.  The GIL is released while
 * the loop runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Per-CPU clones need ifunc: GCC on x86-64 glibc Linux (musl has no ifunc). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define DEDUP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DEDUP_CLONES
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DEDUP_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define DEDUP_INLINE static __forceinline
#else
#define DEDUP_INLINE static inline
#endif

#define TILE 64 /* permutations whose minima are kept together over one set */

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6BU;
    h ^= h >> 13;
    h *= 0xC2B2AE35U;
    return h ^ (h >> 16);
}

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

#define CHUNK 4096 /* values mixed at a time: the minima of a set are updated chunk by chunk */

/* One function per width: T the value type, MIX its pre-mix, X how a value is taken
 * from a 64-bit shingle hash.  NAME##_tile folds m values into w minima; it is inlined,
 * and called with the constant TILE for whole tiles, so that loop is unrolled over
 * registers, much faster than a loop whose trip count is known only at run time
 * (docs/design-notes.md has the measurement). */
#define MINHASH(NAME, T, TMAX, MIX, X)                                                          \
    DEDUP_INLINE void NAME##_tile(                                                             \
        T *acc, const T *ta, const T *tb, const T *mixed, Py_ssize_t m, Py_ssize_t w) {         \
        for (Py_ssize_t k = 0; k < m; k++) {                                                    \
            T x = mixed[k];                                                                     \
            for (Py_ssize_t p = 0; p < w; p++) {                                                \
                T v = ta[p] * x + tb[p];                                                        \
                acc[p] = v < acc[p] ? v : acc[p];                                               \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
    DEDUP_CLONES                                                                                \
    static void NAME(const uint64_t *flat, Py_ssize_t N, const int64_t *counts, Py_ssize_t n,   \
                     const T *a, const T *b, Py_ssize_t P, T *out) {                            \
        T mixed[CHUNK];                                                                         \
        const uint64_t *set = flat;                                                             \
        for (Py_ssize_t i = 0; i < n; i++) {                                                    \
            Py_ssize_t c = (Py_ssize_t)counts[i];                                               \
            if (c > N - (set - flat)) c = N - (set - flat); /* checked before; never past flat */ \
            T *row = out + i * P;                                                               \
            for (Py_ssize_t p = 0; p < P; p++) row[p] = TMAX;                                   \
            for (Py_ssize_t k0 = 0; k0 < c; k0 += CHUNK) {                                      \
                Py_ssize_t m = c - k0 < CHUNK ? c - k0 : CHUNK;                                 \
                for (Py_ssize_t k = 0; k < m; k++) mixed[k] = MIX(X(set[k0 + k]));              \
                for (Py_ssize_t p0 = 0; p0 < P; p0 += TILE) {                                   \
                    T acc[TILE], ta[TILE], tb[TILE];                                            \
                    Py_ssize_t w = P - p0 < TILE ? P - p0 : TILE;                               \
                    memcpy(acc, row + p0, (size_t)w * sizeof(T));                               \
                    memcpy(ta, a + p0, (size_t)w * sizeof(T));                                  \
                    memcpy(tb, b + p0, (size_t)w * sizeof(T));                                  \
                    if (w == TILE)                                                              \
                        NAME##_tile(acc, ta, tb, mixed, m, TILE);                               \
                    else                                                                        \
                        NAME##_tile(acc, ta, tb, mixed, m, w);                                  \
                    memcpy(row + p0, acc, (size_t)w * sizeof(T));                               \
                }                                                                               \
            }                                                                                   \
            set += c;                                                                           \
        }                                                                                       \
    }

#define HIGH32(v) ((uint32_t)((v) >> 32))
#define ALL64(v) (v)
MINHASH(minhash32, uint32_t, UINT32_MAX, fmix32, HIGH32)
MINHASH(minhash64, uint64_t, UINT64_MAX, fmix64, ALL64)

/* The size of a native integer format character of the given signedness, 0 if it is not one. */
static Py_ssize_t int_size(char c, int is_signed) {
    switch (c) {
    case 'b': case 'B': return (c == 'b') == is_signed ? 1 : 0;
    case 'h': case 'H': return (c == 'h') == is_signed ? (Py_ssize_t)sizeof(short) : 0;
    case 'i': case 'I': return (c == 'i') == is_signed ? (Py_ssize_t)sizeof(int) : 0;
    case 'l': case 'L': return (c == 'l') == is_signed ? (Py_ssize_t)sizeof(long) : 0;
    case 'q': case 'Q': return (c == 'q') == is_signed ? (Py_ssize_t)sizeof(long long) : 0;
    default: return 0;
    }
}

/* A C-contiguous buffer of native unsigned (signed, for counts) integers of the given size. */
static int get(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize, int is_signed, const char *name) {
    if (PyObject_GetBuffer(obj, view, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '@') f++; /* native sizes and order only */
    if (view->itemsize != itemsize || f[0] == '\0' || f[1] != '\0' || int_size(f[0], is_signed) != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %s integers of %zd bytes, got format %s", name,
                     is_signed ? "signed" : "unsigned", itemsize, view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *py_minhash(PyObject *self, PyObject *args) {
    PyObject *o_flat, *o_counts, *o_a, *o_b, *o_out;
    int width;
    if (!PyArg_ParseTuple(args, "OOOOOi", &o_flat, &o_counts, &o_a, &o_b, &o_out, &width)) return NULL;
    if (width != 32 && width != 64) {
        PyErr_SetString(PyExc_ValueError, "width must be 32 or 64");
        return NULL;
    }
    Py_ssize_t wbytes = width / 8;
    Py_buffer flat, counts, a, b, out;
    PyObject *result = NULL;
    int got = 0;
    if (get(o_flat, &flat, 0, 8, 0, "flat") < 0) goto done;
    got = 1;
    if (get(o_counts, &counts, 0, 8, 1, "counts") < 0) goto done;
    got = 2;
    if (get(o_a, &a, 0, wbytes, 0, "a") < 0) goto done;
    got = 3;
    if (get(o_b, &b, 0, wbytes, 0, "b") < 0) goto done;
    got = 4;
    if (get(o_out, &out, 1, wbytes, 0, "out") < 0) goto done;
    got = 5;
    Py_ssize_t N = flat.len / 8, n = counts.len / 8, P = a.len / wbytes;
    if (b.len / wbytes != P || (P && n > PY_SSIZE_T_MAX / P) || out.len / wbytes != n * P) {
        PyErr_SetString(PyExc_ValueError, "a, b and out do not agree on the number of permutations");
        goto done;
    }
    const int64_t *cs = (const int64_t *)counts.buf;
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (cs[i] <= 0) {
            PyErr_SetString(PyExc_ValueError, "cannot sign an empty shingle set");
            goto done;
        }
        if (cs[i] > N - total) {
            PyErr_SetString(PyExc_ValueError, "counts add up to more than the number of values");
            goto done;
        }
        total += cs[i];
    }
    if (total != N) {
        PyErr_SetString(PyExc_ValueError, "counts do not add up to the number of values");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    if (width == 32)
        minhash32(flat.buf, N, cs, n, a.buf, b.buf, P, out.buf);
    else
        minhash64(flat.buf, N, cs, n, a.buf, b.buf, P, out.buf);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    if (got >= 5) PyBuffer_Release(&out);
    if (got >= 4) PyBuffer_Release(&b);
    if (got >= 3) PyBuffer_Release(&a);
    if (got >= 2) PyBuffer_Release(&counts);
    if (got >= 1) PyBuffer_Release(&flat);
    return result;
}

/* screen(low, P, order, starts, sizes, need, tags, T, band, rows) -> (plausible, recheck, failing)
 *
 * The pairs of LSH buckets, screened by their low bytes (see dedup.lsh.candidates):
 * bucket k holds the nodes order[starts[k] : starts[k] + sizes[k]] (ascending), and
 * every pair (i, j), i < j, of a bucket is looked at without being stored.  Row i of
 * low (uint8, n rows of P) holds the lowest byte of node i's P signature values; a
 * pair is *plausible* when at least need of its P low bytes are equal (an upper bound
 * of its count of equal values).  The other pairs fail; of those, the ones that may
 * share an earlier band (band b < band with equal tags, tags being uint8 rows of T,
 * and all rows low bytes of b equal) are listed for the caller to settle on the full
 * values.  Returns the plausible and recheck pairs as bytes of int64 (i, j) pairs and
 * the number of failing pairs.  The GIL is released while the loop runs. */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif
#define PREFETCH_AHEAD 4 /* buckets ahead whose rows are fetched */

typedef struct {
    int64_t *data;
    Py_ssize_t len, cap; /* in int64 values */
} PairBuf;

static int push_pair(PairBuf *buf, int64_t a, int64_t b) {
    if (buf->len + 2 > buf->cap) {
        Py_ssize_t cap = buf->cap ? buf->cap * 2 : 1024;
        int64_t *data = realloc(buf->data, (size_t)cap * sizeof(int64_t));
        if (!data) return -1;
        buf->data = data;
        buf->cap = cap;
    }
    buf->data[buf->len++] = a;
    buf->data[buf->len++] = b;
    return 0;
}

/* Equal bytes of x and y: 32 byte lanes at a time (P <= 1024 so no lane passes 32),
 * a form the compiler turns into vector compares. */
DEDUP_INLINE Py_ssize_t count_equal(const uint8_t *x, const uint8_t *y, Py_ssize_t P) {
    uint8_t lane[32] = {0};
    Py_ssize_t k = 0, c = 0;
    for (; k + 32 <= P && k < 32 * 255; k += 32)
        for (int l = 0; l < 32; l++) lane[l] += x[k + l] == y[k + l];
    for (int l = 0; l < 32; l++) c += lane[l];
    for (; k < P; k++) c += x[k] == y[k];
    return c;
}

/* Whether any of the first m bytes of x and y are equal. */
DEDUP_INLINE int any_equal(const uint8_t *x, const uint8_t *y, Py_ssize_t m) {
    uint8_t any = 0;
    for (Py_ssize_t k = 0; k < m; k++) any |= x[k] == y[k];
    return any;
}

/* 0: done; -1: out of memory; -2: a node out of range. */
DEDUP_CLONES
static int screen_loop(const uint8_t *low, Py_ssize_t n, Py_ssize_t P, const int64_t *order,
                       const int64_t *starts, const int64_t *sizes, Py_ssize_t nb, Py_ssize_t need,
                       const uint8_t *tags, Py_ssize_t T, Py_ssize_t band, Py_ssize_t rows,
                       PairBuf *plausible, PairBuf *recheck, int64_t *failing) {
    int64_t fail = 0;
    for (Py_ssize_t k = 0; k < nb; k++) {
        const int64_t *m = order + starts[k];
        Py_ssize_t z = (Py_ssize_t)sizes[k];
        for (Py_ssize_t i = 0; i < z; i++)
            if (m[i] < 0 || m[i] >= n) return -2;
        if (k + PREFETCH_AHEAD < nb) { /* rows are scattered: ask for a later bucket's now */
            const int64_t *f = order + starts[k + PREFETCH_AHEAD];
            Py_ssize_t fz = (Py_ssize_t)sizes[k + PREFETCH_AHEAD];
            for (Py_ssize_t i = 0; i < fz && i < 8; i++)
                if (f[i] >= 0 && f[i] < n)
                    for (Py_ssize_t off = 0; off < P; off += 64) PREFETCH(low + f[i] * P + off);
        }
        for (Py_ssize_t i = 0; i + 1 < z; i++) {
            const uint8_t *li = low + m[i] * P;
            for (Py_ssize_t j = i + 1; j < z; j++) {
                const uint8_t *lj = low + m[j] * P;
                if (count_equal(li, lj, P) >= need) {
                    if (push_pair(plausible, m[i], m[j]) < 0) return -1;
                    continue;
                }
                fail++;
                const uint8_t *ti = tags + m[i] * T, *tj = tags + m[j] * T;
                if (!band || !any_equal(ti, tj, band)) continue;
                for (Py_ssize_t b = 0; b < band; b++) {
                    if (ti[b] != tj[b]) continue;
                    Py_ssize_t r = 0;
                    while (r < rows && li[b * rows + r] == lj[b * rows + r]) r++;
                    if (r == rows) {
                        if (push_pair(recheck, m[i], m[j]) < 0) return -1;
                        break;
                    }
                }
            }
        }
    }
    *failing = fail;
    return 0;
}

static PyObject *py_screen(PyObject *self, PyObject *args) {
    PyObject *o_low, *o_order, *o_starts, *o_sizes, *o_tags;
    Py_ssize_t P, need, T, band, rows;
    if (!PyArg_ParseTuple(args, "OnOOOnOnnn", &o_low, &P, &o_order, &o_starts, &o_sizes, &need, &o_tags, &T, &band, &rows))
        return NULL;
    Py_buffer low, order, starts, sizes, tags;
    PyObject *result = NULL;
    PairBuf plausible = {0}, recheck = {0};
    int got = 0;
    if (get(o_low, &low, 0, 1, 0, "low") < 0) goto done;
    got = 1;
    if (get(o_order, &order, 0, 8, 1, "order") < 0) goto done;
    got = 2;
    if (get(o_starts, &starts, 0, 8, 1, "starts") < 0) goto done;
    got = 3;
    if (get(o_sizes, &sizes, 0, 8, 1, "sizes") < 0) goto done;
    got = 4;
    if (get(o_tags, &tags, 0, 1, 0, "tags") < 0) goto done;
    got = 5;
    if (P <= 0 || low.len % P || rows <= 0 || band < 0 || T < band || rows > P / (band + 1)) {
        PyErr_SetString(PyExc_ValueError, "screen: inconsistent shapes (P, rows, band, T)");
        goto done;
    }
    Py_ssize_t n = low.len / P, nb = starts.len / 8, len_order = order.len / 8;
    if (sizes.len / 8 != nb || (n && T && tags.len / T < n) || (band && !T)) {
        PyErr_SetString(PyExc_ValueError, "screen: starts, sizes and tags do not agree");
        goto done;
    }
    const int64_t *st = starts.buf, *sz = sizes.buf;
    for (Py_ssize_t k = 0; k < nb; k++) {
        if (st[k] < 0 || sz[k] < 0 || st[k] > len_order || sz[k] > len_order - st[k]) {
            PyErr_SetString(PyExc_ValueError, "screen: a bucket lies outside order");
            goto done;
        }
    }
    int64_t failing = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = screen_loop(low.buf, n, P, order.buf, st, sz, nb, need, tags.buf, T, band, rows, &plausible, &recheck, &failing);
    Py_END_ALLOW_THREADS
    if (rc == -1) {
        PyErr_NoMemory();
        goto done;
    }
    if (rc == -2) {
        PyErr_SetString(PyExc_ValueError, "screen: a node in order is out of range");
        goto done;
    }
    /* y# with a NULL pointer gives None, not empty bytes */
    result = Py_BuildValue("y#y#L", plausible.data ? (const char *)plausible.data : "", plausible.len * (Py_ssize_t)sizeof(int64_t),
                           recheck.data ? (const char *)recheck.data : "", recheck.len * (Py_ssize_t)sizeof(int64_t), (long long)failing);
done:
    free(plausible.data);
    free(recheck.data);
    if (got >= 5) PyBuffer_Release(&tags);
    if (got >= 4) PyBuffer_Release(&sizes);
    if (got >= 3) PyBuffer_Release(&starts);
    if (got >= 2) PyBuffer_Release(&order);
    if (got >= 1) PyBuffer_Release(&low);
    return result;
}

/* band_keys(values, rows, out): a 64-bit key per row of a band's values (uint32,
 * n rows of rows), the same as dedup.lsh.band_keys computes with numpy. */
static PyObject *py_band_keys(PyObject *self, PyObject *args) {
    PyObject *o_values, *o_out;
    Py_ssize_t rows;
    if (!PyArg_ParseTuple(args, "OnO", &o_values, &rows, &o_out)) return NULL;
    Py_buffer values, out;
    if (get(o_values, &values, 0, 4, 0, "values") < 0) return NULL;
    if (get(o_out, &out, 1, 8, 0, "out") < 0) {
        PyBuffer_Release(&values);
        return NULL;
    }
    Py_ssize_t n = out.len / 8;
    if (rows <= 0 || (n && rows > PY_SSIZE_T_MAX / n) || values.len / 4 != n * rows) {
        PyErr_SetString(PyExc_ValueError, "band_keys: values and out do not agree");
        PyBuffer_Release(&out);
        PyBuffer_Release(&values);
        return NULL;
    }
    const uint32_t *v = values.buf;
    uint64_t *key = out.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t h = 0xCBF29CE484222325ULL;
        for (Py_ssize_t r = 0; r < rows; r++) {
            h ^= v[i * rows + r];
            h *= 0x100000001B3ULL;
            h ^= h >> 29;
        }
        key[i] = h;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&out);
    PyBuffer_Release(&values);
    Py_RETURN_NONE;
}

/* fingerprints(flat, sizes, window, out_counts, out_values) -> total: the winnowed
 * 16-character fingerprints of texts given by their positional character 5-gram
 * hashes (flat uint64, text i owning the next sizes[i]), the same as
 * dedup.contain.Fingerprints.of computes with numpy: per text, the keys
 * fmix64(f[p]*K1 + f[p+5]*K2 + f[p+10]*K3 + f[p+11]) for p < size - 11; with at least
 * `window` keys, the smallest key of every window of `window` keys; with fewer, the
 * smallest key; with none, the smallest 5-gram, a window's smallest written only when
 * it differs from the previous window's.  Each text's values (the high halves of those
 * keys, sorted and distinct) go to out_values (uint32, room for
 * len(flat) + len(sizes)) one text after the other, their number to out_counts (int64
 * per text). */
static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static PyObject *py_fingerprints(PyObject *self, PyObject *args) {
    PyObject *o_flat, *o_sizes, *o_counts, *o_values;
    Py_ssize_t window;
    if (!PyArg_ParseTuple(args, "OOnOO", &o_flat, &o_sizes, &window, &o_counts, &o_values)) return NULL;
    Py_buffer flat, sizes, counts, values;
    if (get(o_flat, &flat, 0, 8, 0, "flat") < 0) return NULL;
    if (get(o_sizes, &sizes, 0, 8, 1, "sizes") < 0) goto fail_flat;
    if (get(o_counts, &counts, 1, 8, 1, "out_counts") < 0) goto fail_sizes;
    if (get(o_values, &values, 1, 4, 0, "out_values") < 0) goto fail_counts;
    Py_ssize_t N = flat.len / 8, n = sizes.len / 8;
    const int64_t *sz = sizes.buf;
    Py_ssize_t total = 0, longest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (sz[i] < 0 || sz[i] > N - total) { total = -1; break; } /* no overflow: each size fits what is left */
        total += sz[i];
        if (sz[i] > longest) longest = sz[i];
    }
    if (total != N || counts.len / 8 != n || values.len / 4 < N + n || window < 1 || (size_t)longest > SIZE_MAX / sizeof(uint64_t)) {
        PyErr_SetString(PyExc_ValueError, "fingerprints: flat, sizes and the output buffers do not agree");
        goto fail_values;
    }
    uint64_t *k = malloc((size_t)(longest > 0 ? longest : 1) * sizeof(uint64_t));
    if (!k) {
        PyErr_NoMemory();
        goto fail_values;
    }
    const uint64_t *f = flat.buf;
    int64_t *out_c = counts.buf;
    uint32_t *out_v = values.buf;
    Py_ssize_t count = 0;
    const uint64_t K1 = 0x9E3779B97F4A7C15ULL, K2 = 0xC2B2AE3D27D4EB4FULL, K3 = 0x165667B19E3779F9ULL;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < n; at += sz[i], i++) {
        const uint64_t *t = f + at;
        Py_ssize_t s = sz[i], kp = s > 11 ? s - 11 : 0, start = count;
        if (s == 0) {
            out_c[i] = 0;
            continue;
        }
        if (kp == 0) {
            uint64_t m = t[0];
            for (Py_ssize_t p = 1; p < s; p++) if (t[p] < m) m = t[p];
            out_v[count++] = (uint32_t)(m >> 32);
        } else {
            for (Py_ssize_t p = 0; p < kp; p++) k[p] = fmix64(t[p] * K1 + t[p + 5] * K2 + t[p + 10] * K3 + t[p + 11]);
            if (kp < window) {
                uint64_t m = k[0];
                for (Py_ssize_t p = 1; p < kp; p++) if (k[p] < m) m = k[p];
                out_v[count++] = (uint32_t)(m >> 32);
            } else {
                uint64_t prev = 0;
                for (Py_ssize_t w = 0; w + window <= kp; w++) {
                    uint64_t m = k[w];
                    for (Py_ssize_t j = 1; j < window; j++) if (k[w + j] < m) m = k[w + j];
                    if (w == 0 || m != prev) out_v[count++] = (uint32_t)(m >> 32);
                    prev = m;
                }
            }
        }
        Py_ssize_t got = count - start;
        if (got > 1) { /* each value once per text */
            qsort(out_v + start, (size_t)got, sizeof(uint32_t), cmp_u32);
            Py_ssize_t d = 1;
            for (Py_ssize_t j = 1; j < got; j++)
                if (out_v[start + j] != out_v[start + d - 1]) out_v[start + d++] = out_v[start + j];
            count = start + d;
        }
        out_c[i] = count - start;
    }
    Py_END_ALLOW_THREADS
    free(k);
    PyBuffer_Release(&values);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&sizes);
    PyBuffer_Release(&flat);
    return PyLong_FromSsize_t(count);
fail_values:
    PyBuffer_Release(&values);
fail_counts:
    PyBuffer_Release(&counts);
fail_sizes:
    PyBuffer_Release(&sizes);
fail_flat:
    PyBuffer_Release(&flat);
    return NULL;
}

static PyMethodDef methods[] = {
    {"minhash", py_minhash, METH_VARARGS,
     "minhash(flat, counts, a, b, out, width): MinHash signatures of flat sets into out."},
    {"fingerprints", py_fingerprints, METH_VARARGS,
     "fingerprints(flat, sizes, window, out_counts, out_values) -> total: winnowed 16-character fingerprints."},
    {"band_keys", py_band_keys, METH_VARARGS, "band_keys(values, rows, out): 64-bit keys of a band's rows into out."},
    {"screen", py_screen, METH_VARARGS,
     "screen(low, P, order, starts, sizes, need, tags, T, band, rows) -> (plausible, recheck, failing)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedup._kernels", NULL, -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
