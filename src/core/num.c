/* num.c — exact decimal parsing (Clinger fast path, strtod fallback) and
 * shortest round-trip double formatting (see num.h). */
#include "tripflow/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int slow_parse(const char *s, size_t n, double *out)
{
    char stack[128];
    char *buf = n < sizeof stack ? stack : malloc(n + 1);
    if (!buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    int ok = end == buf + n && isfinite(v);
    if (buf != stack) free(buf);
    if (ok) *out = v;
    return ok;
}

/* Eight ASCII digits at once (SWAR): a check that all eight bytes are
 * '0'..'9', and their value. */
static inline int eight_digits(const char *p, uint64_t *v)
{
    uint64_t w;
    memcpy(&w, p, 8);
    if (((w & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
         (((w + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) != UINT64_C(0x3333333333333333))
        return 0;
    w -= UINT64_C(0x3030303030303030);
    w = (w * 10) + (w >> 8); /* pairs */
    w = (((w & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x000F424000000064)) +
         (((w >> 16) & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x0000271000000001))) >>
        32;
    *v = w;
    return 1;
}

/* Up to eight ASCII digits at p (fewer when fewer than eight bytes remain):
 * how many lead the bytes (0..8), and their value.  The bytes are loaded as
 * one little-endian word — near the end of the text, the word that ends
 * there, when `back` bytes before p are readable, shifted down — a byte is
 * a digit when its high nibble is 3 and adding 6 keeps it there, and the
 * digits are shifted to the top, padded with '0' below, and converted eight
 * at once. */
static inline int digit_run(const char *p, size_t avail, size_t back, uint64_t *v)
{
    uint64_t w = 0;
    if (avail >= 8) {
        memcpy(&w, p, 8);
    } else if (back + avail >= 8) {
        memcpy(&w, p + avail - 8, 8);
        w >>= 8 * (8 - avail);
    } else {
        memcpy(&w, p, avail);
    }
    uint64_t nd = ((w & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
                   (((w + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ^
                  UINT64_C(0x3333333333333333);
    int k = nd ? __builtin_ctzll(nd) >> 3 : 8;
    *v = 0;
    if (k == 0) return 0;
    if (k < 8) w = (w << (8 * (8 - k))) | (UINT64_C(0x3030303030303030) >> (8 * k));
    w -= UINT64_C(0x3030303030303030);
    w = (w * 10) + (w >> 8);
    *v = (((w & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x000F424000000064)) +
          (((w >> 16) & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x0000271000000001))) >>
         32;
    return k;
}

static const uint64_t pow10_u64[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/* The common shape of a coordinate, "[-]ddd.ddddddddddddddd" with at most
 * 3 integer and 16 fraction digits and a mantissa within 2^53: parsed a
 * word at a time; 0 when s does not start with that shape (tf_scan_double
 * then takes the general path). */
static inline size_t plain_decimal(const char *s, size_t n, double *out)
{
    size_t i = s[0] == '-', d0 = i;
    uint64_t m = 0, part;
    while (i < n && (unsigned)(s[i] - '0') <= 9 && i - d0 < 4) m = m * 10 + (uint64_t)(s[i++] - '0');
    size_t id = i - d0;
    if (!id || id > 3 || i >= n || s[i] != '.' || (id > 1 && s[d0] == '0')) return 0;
    size_t f0 = ++i;
    int k = digit_run(s + i, n - i, i, &part);
    m = m * pow10_u64[k] + part;
    i += (size_t)k;
    if (k == 8 && i < n) {
        k = digit_run(s + i, n - i, i, &part);
        m = m * pow10_u64[k] + part;
        i += (size_t)k;
    }
    size_t fd = i - f0;
    if (!fd || (i < n && ((unsigned)(s[i] - '0') <= 9 || s[i] == 'e' || s[i] == 'E')) || m > (UINT64_C(1) << 53))
        return 0;
    double v = (double)m / pow10_exact[fd];
    *out = s[0] == '-' ? -v : v;
    return i;
}

/* Strict decimal syntax scanner: returns the length of the longest prefix
 * that is a number ([+-]digits[.digits][(e|E)[+-]digits], at least one
 * digit), and its value.  Fast path: up to 19 significant digits and a
 * decimal exponent within +-22 (Clinger: one exact IEEE operation). */
size_t tf_scan_double(const char *s, size_t n, double *out)
{
    if (n >= 3) {
        size_t k = plain_decimal(s, n, out);
        if (k) return k;
    }
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    uint64_t mant = 0;
    int digits = 0, exp10 = 0;
    size_t start = i;
    /* leading zeros never count as significant */
    while (i < n && s[i] == '0') i++;
    size_t int_start = i;
    while (i < n && (unsigned)(s[i] - '0') <= 9) {
        mant = mant * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    digits = (int)(i - int_start);
    size_t ndig = i - start;
    if (i < n && s[i] == '.') {
        i++;
        size_t fs = i;
        if (!digits) /* 0.000ddd: zeros after the point only move the exponent */
            while (i < n && s[i] == '0') i++;
        size_t ds = i;
        uint64_t eight;
        while (i + 8 <= n && eight_digits(s + i, &eight)) {
            mant = mant * 100000000 + eight;
            i += 8;
        }
        while (i < n && (unsigned)(s[i] - '0') <= 9) {
            mant = mant * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        digits += (int)(i - ds);
        exp10 -= (int)(i - fs);
        ndig += i - fs;
    }
    if (ndig == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t save = i;
        i++;
        int eneg = 0, e = 0;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        size_t es = i;
        while (i < n && (unsigned)(s[i] - '0') <= 9) {
            if (e < 100000) e = e * 10 + (s[i] - '0');
            i++;
        }
        if (i == es) i = save; /* "1e" is the number 1 followed by 'e' */
        else exp10 += eneg ? -e : e;
    }
    if (digits <= 19 && mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        if (mant == 0) v = 0;
        else v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return i;
    }
    if (digits == 0) {
        *out = neg ? -0.0 : 0.0;
        return i;
    }
    return slow_parse(s, i, out) ? i : 0;
}

int tf_parse_double(const char *s, size_t n, double *out)
{
    double v;
    size_t k = tf_scan_double(s, n, &v);
    if (k == 0 || k != n) return 0;
    *out = v;
    return 1;
}

int tf_parse_i64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == n) return 0;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return 0;
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
    }
    return 1;
}

int tf_format_i64(int64_t v, char out[24])
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int k = 0;
    if (v < 0) out[k++] = '-';
    while (n) out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

/* Render sign, digits (no trailing zeros) and decimal exponent of the first
 * digit, Python-repr style: plain for 1e-4 <= |v| < 1e16, else d.ddde±XX. */
static int render(int neg, const char *dig, int nd, int e10, char out[32])
{
    int k = 0;
    if (neg) out[k++] = '-';
    if (e10 >= -4 && e10 < 16) {
        if (e10 < 0) {
            out[k++] = '0';
            out[k++] = '.';
            for (int z = -1; z > e10; z--) out[k++] = '0';
            memcpy(out + k, dig, (size_t)nd);
            k += nd;
        } else if (nd <= e10 + 1) {
            memcpy(out + k, dig, (size_t)nd);
            k += nd;
            for (int z = nd; z <= e10; z++) out[k++] = '0';
            out[k++] = '.';
            out[k++] = '0';
        } else {
            memcpy(out + k, dig, (size_t)(e10 + 1));
            k += e10 + 1;
            out[k++] = '.';
            memcpy(out + k, dig + e10 + 1, (size_t)(nd - e10 - 1));
            k += nd - e10 - 1;
        }
    } else {
        out[k++] = dig[0];
        if (nd > 1) {
            out[k++] = '.';
            memcpy(out + k, dig + 1, (size_t)(nd - 1));
            k += nd - 1;
        }
        k += snprintf(out + k, (size_t)(32 - k), "e%c%02d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
    }
    out[k] = '\0';
    return k;
}

/* exact value of m * 10^e when both fit the Clinger conditions */
static int exact_val(uint64_t m, int e, double *v)
{
    if (m > (UINT64_C(1) << 53) || e < -22 || e > 22) return 0;
    *v = e < 0 ? (double)m / pow10_exact[-e] : (double)m * pow10_exact[e];
    return 1;
}

int tf_format_double(double v, char out[32])
{
    if (isnan(v)) return (int)(strcpy(out, "NaN"), 3);
    if (isinf(v)) return v > 0 ? (int)(strcpy(out, "Infinity"), 8) : (int)(strcpy(out, "-Infinity"), 9);
    if (v == 0) return (int)(strcpy(out, signbit(v) ? "-0.0" : "0.0"), signbit(v) ? 4 : 3);
    int neg = v < 0;
    double a = neg ? -v : v;
    char dig[32];

    /* fast path: the unique 15-significant-digit decimal that reads back to a */
    int e10 = (int)floor(log10(a));
    int sc = 14 - e10;
    if (sc >= -22 && sc <= 22) {
        double scaled = sc >= 0 ? a * pow10_exact[sc] : a / pow10_exact[-sc];
        uint64_t m = (uint64_t)llround(scaled);
        for (int tries = 0; tries < 3; tries++) {
            uint64_t cand = tries == 0 ? m : tries == 1 ? m + 1 : m - 1;
            int ce = e10, csc = sc;
            if (cand >= UINT64_C(1000000000000000)) {
                if (cand % 10) continue;
                cand /= 10;
                ce++;
                csc--;
            } else if (cand < UINT64_C(100000000000000)) {
                continue;
            }
            double back;
            if (exact_val(cand, -csc, &back) && back == a) {
                /* cand has exactly 15 digits */
                for (int i = 14; i >= 0; i--, cand /= 10) dig[i] = (char)('0' + cand % 10);
                int nd = 15;
                while (nd > 1 && dig[nd - 1] == '0') nd--;
                return render(neg, dig, nd, ce, out);
            }
        }
    }
    /* general path through printf (correctly rounded digits), keeping the
     * shortest that reads back: 16 then 17 digits after the fast path missed,
     * or every precision for values outside its range (subnormals, huge). */
    int first = (sc >= -22 && sc <= 22) ? 16 : 1;
    for (int prec = first; prec <= 17; prec++) {
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
        if (prec < 17 && strtod(tmp, NULL) != a) continue;
        /* tmp = d.ddddde±XX */
        int nd = 0;
        for (const char *p = tmp; *p && *p != 'e'; p++)
            if (*p != '.') dig[nd++] = *p;
        while (nd > 1 && dig[nd - 1] == '0') nd--;
        int ex = atoi(strchr(tmp, 'e') + 1);
        return render(neg, dig, nd, ex, out);
    }
    return 0; /* unreachable */
}
