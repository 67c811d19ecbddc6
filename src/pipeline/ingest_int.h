/* ingest_int.h — internals shared by the ingest stages (parse, dedupe and
 * aggregate, orchestration).  Not a public interface. */
#ifndef TF_INGEST_INT_H
#define TF_INGEST_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "tripflow/csv.h"
#include "tripflow/fmap.h"
#include "tripflow/ingest.h"
#include "tripflow/lake.h"
#include "tripflow/trip.h"
#include "tripflow/trips_store.h"

#define KEY_BITS 6 /* dedupe units per partition: 64, by the top key bits */
#define KEY_BUCKETS (1 << KEY_BITS)
/* the key bucket (dedupe unit within a partition) of a trip key */
static inline unsigned key_bucket(tf_key128 k) { return (unsigned)(k.hi >> (64 - KEY_BITS)); }
#define MIN_ROW_BYTES 16 /* no valid trip row is shorter: bounds the rows of a chunk */

/* Run-wide interning of region and datasource names (case-insensitive).
 * Names live in an arena, so pointers to them are stable. */
typedef struct intern_entry {
    const char *name;
    size_t len;
} intern_entry;

typedef struct intern {
    pthread_mutex_t lock;
    tf_arena arena;
    TF_VEC(intern_entry) names;
    tf_fmap index; /* {uint64 hash, uint32 id} */
} intern;

/* Run-wide partitions (region, month), numbered as first seen. */
typedef struct part_key {
    uint32_t region;
    int32_t month;
} part_key;

typedef struct partmap {
    pthread_mutex_t lock;
    tf_fmap index; /* {part_key, uint32 pid} */
    TF_VEC(part_key) keys;
} partmap;

typedef struct reject_rec {
    int64_t line; /* chunk-relative until fixed up */
    int field;    /* tf_trip field index or -1 */
    const char *reason;
    const char *rec; /* a copy of the record's text */
    size_t rec_len;
} reject_rec;

/* first spelling of a name in a chunk; key = kind << 31 | id */
typedef struct spelling_slot {
    uint32_t key;
    uint32_t len;
    const char *name;
} spelling_slot;
#define SPELLING_HASH(k) ((k) * UINT64_C(0x9E3779B97F4A7C15))

typedef struct chunk {
    const char *begin, *limit; /* records starting in [begin, limit) */
    const char *stop;          /* where parsing ended */
    int64_t lines;             /* lines from begin to stop */
    int64_t first_line;        /* global line of begin (after fix-up) */
    int64_t rows_read;
    tf_arena arena;            /* reasons, reject text, spellings */
    tf_trip *rows;             /* parsed rows in the chunk's slot, by dedupe unit, in input order within one */
    int64_t nrows, cap;
    TF_VEC(int64_t) unit_rows; /* rows per unit (pid * KEY_BUCKETS + bucket) */
    TF_VEC(int64_t) unit_at;   /* where each unit's rows start in rows; one more: nrows */
    TF_VEC(reject_rec) rejects;
    tf_fmap spelling;          /* first spelling of each name here */
} chunk;

typedef struct ingest_ctx {
    const tf_ingest_opts *o;
    const char *path;
    const char *data, *end; /* the whole input */
    int mapped;             /* data is a file mapping (pages can be released) */
    const char *body;       /* first byte after the header */
    int64_t body_line;      /* line number of body */
    tf_trip_layout layout;
    intern names[2];        /* TF_DIM_REGION, TF_DIM_DATASOURCE */
    partmap parts;
    char **canon[2];        /* by run id: the name as the store has it (or will) */
    int64_t *db_ids[2];     /* by run id: the store's id, 0 for a new name */
    chunk *chunks;
    int nchunks;
    int seg_chunks;         /* chunks per segment (the memory budget) */
    int seg_c0, seg_c1;     /* the segment being processed */
    int *files_of;          /* by pid: lake files staged so far */
    size_t nfiles_of;
    char *used[2];          /* by run name id: a unique row of the run has the name */
    size_t nused[2];
    size_t nresolved[2];    /* names with canon[] and db_ids[] */
    struct region_aggs *acc; /* by run region id: aggregates of earlier segments */
    size_t nacc;
    tf_span rows;           /* a slot per chunk of a segment for its parsed rows (reused by the next segment) */
    size_t slot_bytes;
    int threads;
    uint8_t *pieces;        /* the content hash's pieces, when the parse hashes them (chunk i: piece i), else NULL */
    char *piece_done;
    size_t npieces;
    atomic_int next_chunk;
    atomic_llong bytes_done, rows_done, rejects_seen;
    atomic_int abort; /* 1: too many rejects, 2: interrupted */
} ingest_ctx;

void intern_init(intern *in);
void intern_free(intern *in);
/* run-wide id of a name, adding it when new */
uint32_t intern_id(intern *in, const char *name, size_t len, uint64_t hash);

/* The chunk size in bytes (--chunk-size, default 8 MiB). */
int64_t ingest_chunk_bytes(const tf_ingest_opts *o);
/* Cut the input into chunks and the chunks into segments that fit the
 * memory budget (bytes), and reserve the rows' slots. */
int ingest_plan(ingest_ctx *ctx, int64_t memory, tf_err *err);
/* Parse chunks [c0, c1) with ctx->threads threads, then repair chunk
 * borders a quoted newline crossed.  Returns TF_OK or TF_ECANCELED (abort
 * set: 1 too many rejects, 2 interrupted). */
int ingest_parse_segment(ingest_ctx *ctx, int c0, int c1);
void chunk_free(chunk *c);

uint32_t partmap_id(partmap *pm, uint32_t region, int32_t month);

/* After parsing: the segment's rows by unit (partition and key bucket), a
 * run of rows in each chunk, left where the parse put them; then
 * deduplicated. */
typedef struct units {
    int nparts;
    part_key *keys;     /* by pid */
    chunk *ch;          /* the segment's chunks */
    int nch;
    int64_t *n;         /* by unit: rows in all chunks */
    int64_t *db_region; /* by pid: the store's region id, 0 for a region new to the store */
    int64_t *unique;    /* by pid: rows that are not duplicates (after dedupe) */
    char *used[2];      /* by run name id: a unique row has the name (after dedupe) */
} units;

/* The segment's units: its partitions and chunks, the rows of each unit. */
void ingest_units(ingest_ctx *ctx, units *u);
void units_free(units *u);

/* The rows of units [u0, u1) in the segment's chunk c: consecutive there
 * (a partition's units are), input order within a unit. */
static inline tf_trip *units_run(const units *u, int c, size_t u0, size_t u1, int64_t *n)
{
    const chunk *ch = &u->ch[c];
    size_t last = ch->unit_at.n ? ch->unit_at.n - 1 : 0;
    if (u0 > last) u0 = last;
    if (u1 > last) u1 = last;
    *n = u1 > u0 ? ch->unit_at.v[u1] - ch->unit_at.v[u0] : 0;
    return *n ? ch->rows + ch->unit_at.v[u0] : NULL;
}
/* Dedupe each unit, flagging duplicates with TF_TRIP_DUP: trips seen earlier
 * in the run, and trips the lake already holds (lr, may be NULL); fills
 * u->unique and u->used. */
int ingest_dedupe(ingest_ctx *ctx, units *u, tf_lake_run *lr, int64_t *unique, int64_t *duplicates, tf_err *err);

/* A region's facts and groups, merged (tripagg.h). */
typedef struct region_aggs {
    TF_VEC(tf_fact) facts;
    TF_VEC(tf_group) groups;
} region_aggs;
void ingest_aggs_free(ingest_ctx *ctx);

/* The first spelling of a name in the input (in chunk order). */
const char *ingest_spelling(ingest_ctx *ctx, int kind, uint32_t id, size_t *len);
/* canon[] and db_ids[] of the names met so far, and the units' store region
 * ids. */
int ingest_resolve_names(tf_store *s, ingest_ctx *ctx, units *u, tf_err *err);
void ingest_names_free(ingest_ctx *ctx);
/* Write a segment's lake files (staged); its aggregates join ctx->acc. */
int ingest_write_segment(ingest_ctx *ctx, units *u, tf_lake_run *lr, const tf_grid *grid, tf_err *err);
/* The last segment: write its lake files and commit everything (see
 * ingest_commit.c).  The finished event is made from `finished` (taken)
 * with the run's seconds and CPU seconds since t0 just before it commits
 * with the run, and handed back in *done (NULL when the run failed first).
 * TF_EEXIST with *same_as set when a run loading the same content committed
 * first (nothing of this run is kept). */
int ingest_commit(tf_store *s, tf_events *bus, json_t *finished, double t0, tf_event **done, ingest_ctx *ctx,
                  units *u, tf_lake_run *lr, int64_t run_id, const char *hash, int64_t *same_as, const tf_grid *grid,
                  int grid_found, const tf_run_counts *counts, const char *reject_file, tf_err *err);

#endif
