/* geo.h — points and cells: WKT POINT parsing, geohash cells, distances and
 * bounding boxes. */
#ifndef TF_GEO_H
#define TF_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"

/* Parse "POINT (lon lat)" / "POINT(lon lat)" with any whitespace (spaces,
 * tabs, line breaks; case-insensitive keyword).  On failure returns TF_EFORMAT with a reason in err. */
int tf_parse_wkt_point(const char *s, size_t n, double *lon, double *lat, tf_err *err);

/* Geohash cell of (lat, lon) at precision 1..12 as interleaved bits (5 bits
 * per character, first character in the highest bits). */
uint64_t tf_geohash_bits(double lat, double lon, int precision);
/* The base-32 text of a cell; out must hold precision+1 bytes. */
void tf_geohash_text(uint64_t bits, int precision, char *out);
/* The cell's bounding box. */
void tf_geohash_bbox(uint64_t bits, int precision, double *min_lat, double *min_lon, double *max_lat,
                     double *max_lon);

/* Great-circle distance in metres (haversine, mean earth radius 6371008.8 m). */
double tf_haversine_m(double lat1, double lon1, double lat2, double lon2);

/* A bounding box min_lon,min_lat,max_lon,max_lat with inclusive edges. */
typedef struct tf_bbox {
    double min_lon, min_lat, max_lon, max_lat;
} tf_bbox;
int tf_parse_bbox(const char *s, tf_bbox *out, tf_err *err);
static inline int tf_bbox_contains(const tf_bbox *b, double lon, double lat)
{
    return lon >= b->min_lon && lon <= b->max_lon && lat >= b->min_lat && lat <= b->max_lat;
}

#endif
