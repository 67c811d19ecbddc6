/* gen_trips.h — the synthetic trips generator: realistic, deterministic for
 * a seed (row i depends only on the seed and i), fast. */
#ifndef TF_GEN_TRIPS_H
#define TF_GEN_TRIPS_H

#include <stdint.h>

#include "tripflow/err.h"

typedef struct tf_gen_trips_opts {
    int64_t rows;
    uint64_t seed;
    double duplicates; /* fraction of rows that repeat an earlier row exactly */
    double bad;        /* fraction of malformed rows, cycling through every reject reason */
    int64_t start_us;  /* first day (UTC midnight) */
    int days;
    int crlf;          /* CRLF line ends */
} tf_gen_trips_opts;

/* Write the CSV (header included) to fd. */
int tf_gen_trips(const tf_gen_trips_opts *o, int fd, tf_err *err);

/* the malformed-row kinds, in the order --bad cycles through them */
#define TF_GEN_BAD_KINDS 14

#endif
