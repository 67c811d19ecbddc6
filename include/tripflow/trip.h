/* trip.h — one trip row: the CSV header contract, parsing and validating a
 * record's five fields (semantics.md §1), and the trip's identity key.
 *
 * Identity: XXH3-128 of the normalised fields — region and datasource folded
 * to ASCII lower case, the four coordinates as IEEE doubles (-0 as 0), the
 * time as UTC microseconds.  "Prague,POINT(14.5 50)" and
 * "prague,POINT (14.50 50.0)" at the same instant are one trip. */
#ifndef TF_TRIP_H
#define TF_TRIP_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/csv.h"
#include "tripflow/err.h"
#include "tripflow/hash.h"
#include "tripflow/timeutil.h"

enum { TF_TRIP_REGION, TF_TRIP_ORIGIN, TF_TRIP_DESTINATION, TF_TRIP_DATETIME, TF_TRIP_DATASOURCE, TF_TRIP_NFIELDS };
extern const char *const tf_trip_field_names[TF_TRIP_NFIELDS];
#define TF_TRIP_HEADER "region,origin_coord,destination_coord,datetime,datasource"
#define TF_NAME_MAX 255

/* A parsed trip, 64 bytes.  region/datasource are ids of an interning table
 * owned by the caller; TF_TRIP_DUP set in datasource marks a duplicate that
 * later stages skip. */
#define TF_TRIP_DUP UINT32_C(0x80000000)
typedef struct tf_trip {
    tf_key128 key;
    int64_t ts;
    double olon, olat, dlon, dlat;
    uint32_t region, datasource;
} tf_trip;

/* Where each field sits in a record, from the header row. */
typedef struct tf_trip_layout {
    int col[TF_TRIP_NFIELDS];
} tf_trip_layout;

/* Map the header record; TF_EFORMAT naming missing/unknown/duplicate columns. */
int tf_trip_header(const tf_csv_record *rec, tf_trip_layout *lay, tf_err *err);

/* The text of a name field after unescaping and trimming; validated
 * (non-empty, valid UTF-8, at most TF_NAME_MAX bytes). */
typedef struct tf_trip_names {
    const char *region, *datasource;
    size_t region_len, datasource_len;
} tf_trip_names;

/* Parse a data record.  On success fills t (except region/datasource ids)
 * and names (pointing into the record, or into scratch[0] / scratch[1] when a
 * name had escaped quotes).  On a bad row returns
 * TF_EFORMAT with *bad_field set to the field index (or -1 for the record)
 * and the reason in err. */
int tf_trip_parse(const tf_csv_record *rec, const tf_trip_layout *lay, const tf_tz *tz, tf_buf scratch[2],
                  tf_trip *t, tf_trip_names *names, int *bad_field, tf_err *err);

/* The identity key from the parsed fields (names as given; folded inside). */
tf_key128 tf_trip_key(const tf_trip *t, const tf_trip_names *names);

/* The steps of tf_trip_parse, for callers that skip some on a fast path
 * (ingest remembers names it has validated).  In tf_trip_parse's order:
 * the record's shape, the region, the datasource, the points and time. */
int tf_trip_check(const tf_csv_record *rec, const tf_trip_layout *lay, int *bad_field, tf_err *err);
int tf_trip_name(const tf_csv_record *rec, const tf_trip_layout *lay, int which, tf_buf *scratch, const char **out,
                 size_t *n, tf_err *err);
int tf_trip_points_time(const tf_csv_record *rec, const tf_trip_layout *lay, const tf_tz *tz, tf_trip *t,
                        int *bad_field, tf_err *err);
/* names already folded (tf_name_fold) */
void tf_name_fold(const char *s, size_t n, char *out);
tf_key128 tf_trip_key_folded(const tf_trip *t, const char *region, size_t rn, const char *datasource, size_t dn);

/* ASCII case-insensitive equality and hash, as used for region/datasource names. */
int tf_name_eq(const char *a, size_t an, const char *b, size_t bn);
uint64_t tf_name_hash(const char *s, size_t n);
int tf_utf8_valid(const char *s, size_t n);

#endif
