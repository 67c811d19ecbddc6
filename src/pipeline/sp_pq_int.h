/* sp_pq_int.h — the Parquet trip source over a list of files, shared by the
 * Parquet file/directory source and the Iceberg source (sp_source_parquet.c,
 * sp_source_iceberg.c).  Not a public interface. */
#ifndef TF_SP_PQ_INT_H
#define TF_SP_PQ_INT_H

#include "tripflow/sp_io.h"

enum { SP_C_USER, SP_C_START, SP_C_END, SP_C_SLAT, SP_C_SLNG, SP_C_ELAT, SP_C_ELNG, SP_NCOLS };
extern const char *const sp_col_names[SP_NCOLS];

typedef struct sp_pq_file {
    char *path;   /* to open */
    char *name;   /* in messages (the path as the user sees it) */
    int nparts;   /* Hive key=value directories above the file (values unescaped) */
    char **keys, **vals;
    size_t *val_lens;
} sp_pq_file;

typedef TF_VEC(sp_pq_file) sp_pq_files;

void sp_pq_files_free(sp_pq_files *f);

/* A source reading files in order, row group by row group.  field_ids: the
 * Iceberg field id of each of the SP_NCOLS columns (a file whose schema has
 * field ids is matched by them, a column whose id it lacks is null in every
 * row; a file without ids is matched by name), or NULL to match by name.
 * Takes ownership of files. */
int sp_pq_source_new(const char *kind, sp_pq_files *files, const int *field_ids, const tf_trip_source_opts *o,
                     tf_trip_source **out, tf_err *err);

#endif
