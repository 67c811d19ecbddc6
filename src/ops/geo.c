/* geo.c — WKT points, geohash cells, distances, bounding boxes (see geo.h). */
#include "tripflow/geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tripflow/num.h"

/* WKT whitespace: a quoted CSV field may even break a point across lines */
static inline int is_sp(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t token_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && !is_sp(s[k]) && s[k] != ')') k++;
    return k;
}

int tf_parse_wkt_point(const char *s, size_t n, double *lon, double *lat, tf_err *err)
{
    size_t i = 0;
    while (i < n && is_sp(s[i])) i++;
    static const char kw[] = "POINT";
    for (int k = 0; k < 5; k++, i++)
        if (i >= n || (s[i] & ~0x20) != kw[k]) goto syntax;
    while (i < n && is_sp(s[i])) i++;
    if (i >= n || s[i] != '(') goto syntax;
    i++;
    while (i < n && is_sp(s[i])) i++;
    double x, y;
    size_t a = i, k = tf_scan_double(s + i, n - i, &x);
    if (k == 0 || (a + k < n && !is_sp(s[a + k]) && s[a + k] != ')')) {
        size_t alen = token_len(s + a, n - a);
        if (alen == 0) goto syntax;
        char t[64];
        return tf_errf(err, TF_EFORMAT, "longitude '%s' is not a number", tf_snippet(s + a, alen, 40, t, sizeof t));
    }
    size_t alen = k;
    i += k;
    if (i >= n || !is_sp(s[i])) goto syntax;
    while (i < n && is_sp(s[i])) i++;
    size_t b = i;
    k = tf_scan_double(s + i, n - i, &y);
    if (k == 0 || (b + k < n && !is_sp(s[b + k]) && s[b + k] != ')')) {
        size_t blen = token_len(s + b, n - b);
        if (blen == 0) goto syntax;
        char t[64];
        return tf_errf(err, TF_EFORMAT, "latitude '%s' is not a number", tf_snippet(s + b, blen, 40, t, sizeof t));
    }
    size_t blen = k;
    i += k;
    while (i < n && is_sp(s[i])) i++;
    if (i >= n || s[i] != ')') goto syntax;
    i++;
    while (i < n && is_sp(s[i])) i++;
    if (i != n) goto syntax;
    if (!(x >= -180 && x <= 180))
        return tf_errf(err, TF_EFORMAT, "longitude %.*s out of range [-180, 180]", (int)alen, s + a);
    if (!(y >= -90 && y <= 90))
        return tf_errf(err, TF_EFORMAT, "latitude %.*s out of range [-90, 90]", (int)blen, s + b);
    *lon = x == 0 ? 0.0 : x; /* -0.0 and 0.0 are one point */
    *lat = y == 0 ? 0.0 : y;
    return TF_OK;
syntax:;
    char t[128];
    return tf_errf(err, TF_EFORMAT, "expected 'POINT (lon lat)', got '%s'", tf_snippet(s, n, 60, t, sizeof t));
}

/* Geohash cells are the standard bisection (bit 1 when the coordinate is >=
 * the midpoint; even bits from the top halve longitude, odd bits latitude).
 * Bisection's result is the unique cell c with lo(c) <= v < lo(c+1) (the top
 * cell keeps its upper edge), so we estimate c by scaling and correct it
 * against the exact cell edges: lo(c) = -180 + c * 45 * 2^(3-bits) is exactly
 * representable for every c, which makes the comparisons exact. */
static inline uint64_t axis_cell(double v, double lo, double span, int bits)
{
    if (bits == 0) return 0;
    int64_t n = INT64_C(1) << bits;
    double width = span / (double)n; /* exact: span is 45 * 2^k */
    /* an estimate (a product, not a quotient: this runs for every trip),
     * made exact by the comparisons below */
    int64_t c = (int64_t)((v - lo) * (1.0 / span) * (double)n);
    if (c < 0) c = 0;
    if (c > n - 1) c = n - 1;
    while (c > 0 && v < lo + (double)c * width) c--;
    while (c < n - 1 && v >= lo + (double)(c + 1) * width) c++;
    return (uint64_t)c;
}

static inline uint64_t spread(uint64_t x)
{
    x &= UINT64_C(0xFFFFFFFF);
    x = (x | (x << 16)) & UINT64_C(0x0000FFFF0000FFFF);
    x = (x | (x << 8)) & UINT64_C(0x00FF00FF00FF00FF);
    x = (x | (x << 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
    x = (x | (x << 2)) & UINT64_C(0x3333333333333333);
    x = (x | (x << 1)) & UINT64_C(0x5555555555555555);
    return x;
}

uint64_t tf_geohash_bits(double lat, double lon, int precision)
{
    int nbits = precision * 5;
    int lonbits = (nbits + 1) / 2, latbits = nbits / 2;
    uint64_t x = axis_cell(lon, -180.0, 360.0, lonbits);
    uint64_t y = axis_cell(lat, -90.0, 180.0, latbits);
    return (nbits & 1) ? spread(x) | (spread(y) << 1) : (spread(x) << 1) | spread(y);
}

static const char b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";

void tf_geohash_text(uint64_t bits, int precision, char *out)
{
    for (int i = 0; i < precision; i++) out[i] = b32[(bits >> (5 * (precision - 1 - i))) & 31];
    out[precision] = '\0';
}

void tf_geohash_bbox(uint64_t bits, int precision, double *min_lat, double *min_lon, double *max_lat,
                     double *max_lon)
{
    int nbits = precision * 5;
    double lo_x = -180, hi_x = 180, lo_y = -90, hi_y = 90;
    for (int b = 0; b < nbits; b++) {
        int bit = (int)((bits >> (nbits - 1 - b)) & 1);
        if (b % 2 == 0) {
            double mid = (lo_x + hi_x) / 2;
            if (bit) lo_x = mid; else hi_x = mid;
        } else {
            double mid = (lo_y + hi_y) / 2;
            if (bit) lo_y = mid; else hi_y = mid;
        }
    }
    *min_lat = lo_y;
    *max_lat = hi_y;
    *min_lon = lo_x;
    *max_lon = hi_x;
}

double tf_haversine_m(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371008.8, rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(sqrt(a > 1 ? 1 : a));
}

int tf_parse_bbox(const char *s, tf_bbox *out, tf_err *err)
{
    double v[4];
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        if ((i < 3 && !c) || (i == 3 && c) || !tf_parse_double(p, len, &v[i]))
            return tf_errf(err, TF_EINVAL, "bad bounding box '%s' (expected min_lon,min_lat,max_lon,max_lat)", s);
        p = c ? c + 1 : p + len;
    }
    if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90)
        return tf_errf(err, TF_EINVAL, "bounding box '%s' is outside [-180, 180] x [-90, 90]", s);
    if (v[0] > v[2] || v[1] > v[3])
        return tf_errf(err, TF_EINVAL, "bounding box '%s': min must not exceed max", s);
    out->min_lon = v[0];
    out->min_lat = v[1];
    out->max_lon = v[2];
    out->max_lat = v[3];
    return TF_OK;
}
