/* Compiled inner loop of dedup's MinHash (optional: dedup falls back to numpy).
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
 * registers (1.7x faster than a runtime trip count at 192 permutations). */
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

static PyMethodDef methods[] = {
    {"minhash", py_minhash, METH_VARARGS,
     "minhash(flat, counts, a, b, out, width): MinHash signatures of flat sets into out."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedup._kernels", NULL, -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
