/* sp_gen_int.h — the staypoint trips generator's rows, handed to an output
 * format (sp_gen.c writes CSV, sp_gen_parquet.c Parquet).  Not public. */
#ifndef TF_SP_GEN_INT_H
#define TF_SP_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/rng.h"
#include "tripflow/sp_gen.h"

typedef struct sp_gen_row {
    uint32_t user;                  /* index in the block */
    int32_t slat, slng, elat, elng; /* micro-degrees */
    int64_t start, end;             /* µs UTC */
} sp_gen_row;

/* one row: the good row (bad NULL), or a malformed copy of it drawn from bad */
typedef int (*sp_gen_emit_fn)(void *ud, const char *id, size_t idlen, const sp_gen_row *w, tf_rng *bad);

/* generate the rows of o in output order; flush is called after each good row */
int sp_gen_run(const tf_sp_gen_opts *o, sp_gen_emit_fn emit, int (*flush)(void *ud, tf_err *err), void *ud,
               tf_sp_gen_stats *st, tf_err *err);

#endif
