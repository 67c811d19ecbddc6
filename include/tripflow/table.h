/* table.h — a small result table that listings and reports print as an
 * aligned table, CSV or a JSON array of objects. */
#ifndef TF_TABLE_H
#define TF_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include "tripflow/mem.h"

typedef enum { TF_COL_TEXT, TF_COL_INT, TF_COL_REAL } tf_col_kind;

typedef struct tf_table tf_table;

tf_table *tf_table_new(int ncols, const char *const *names, const tf_col_kind *kinds);
void tf_table_free(tf_table *t);
/* Start a row; then set each cell (unset cells are null). */
void tf_table_row(tf_table *t);
void tf_table_text(tf_table *t, int col, const char *s);
void tf_table_int(tf_table *t, int col, int64_t v);
void tf_table_real(tf_table *t, int col, double v);
int tf_table_rows(const tf_table *t);
/* fmt: TF_FMT_TABLE, TF_FMT_CSV or TF_FMT_JSON (cli.h) */
void tf_table_print(const tf_table *t, int fmt, FILE *out);

#endif
