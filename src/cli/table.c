/* table.c — printing result tables as text, CSV or JSON (see table.h). */
#include "tripflow/table.h"

#include <stdlib.h>
#include <string.h>

#include "tripflow/cli.h"
#include "tripflow/csv.h"
#include "tripflow/num.h"

struct tf_table {
    int ncols;
    const char *const *names;
    const tf_col_kind *kinds;
    tf_arena arena;
    TF_VEC(char *) cells; /* row-major; NULL = null */
};

tf_table *tf_table_new(int ncols, const char *const *names, const tf_col_kind *kinds)
{
    tf_table *t = tf_xcalloc(1, sizeof *t);
    t->ncols = ncols;
    t->names = names;
    t->kinds = kinds;
    tf_arena_init(&t->arena, 16 * 1024);
    return t;
}

void tf_table_free(tf_table *t)
{
    if (!t) return;
    tf_arena_free(&t->arena);
    tf_vec_free(&t->cells);
    free(t);
}

void tf_table_row(tf_table *t)
{
    for (int i = 0; i < t->ncols; i++) tf_vec_push(&t->cells, NULL);
}

static char **cell(tf_table *t, int col) { return &t->cells.v[t->cells.n - (size_t)t->ncols + (size_t)col]; }

void tf_table_text(tf_table *t, int col, const char *s) { *cell(t, col) = s ? tf_arena_strdup(&t->arena, s) : NULL; }

void tf_table_int(tf_table *t, int col, int64_t v)
{
    char b[24];
    tf_format_i64(v, b);
    *cell(t, col) = tf_arena_strdup(&t->arena, b);
}

void tf_table_real(tf_table *t, int col, double v)
{
    char b[32];
    tf_format_double(v, b);
    *cell(t, col) = tf_arena_strdup(&t->arena, b);
}

int tf_table_rows(const tf_table *t) { return t->ncols ? (int)(t->cells.n / (size_t)t->ncols) : 0; }

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

void tf_table_print(const tf_table *t, int fmt, FILE *out)
{
    int rows = tf_table_rows(t);
    if (fmt == TF_FMT_JSON) {
        fputc('[', out);
        for (int r = 0; r < rows; r++) {
            fputs(r ? ",\n {" : "{", out);
            for (int c = 0; c < t->ncols; c++) {
                const char *v = t->cells.v[(size_t)r * (size_t)t->ncols + (size_t)c];
                if (c) fputs(", ", out);
                json_string(out, t->names[c]);
                fputs(": ", out);
                if (!v) fputs("null", out);
                else if (t->kinds[c] == TF_COL_TEXT) json_string(out, v);
                else fputs(v, out);
            }
            fputc('}', out);
        }
        fputs("]\n", out);
        return;
    }
    if (fmt == TF_FMT_CSV) {
        tf_buf b = {0};
        for (int c = 0; c < t->ncols; c++) {
            if (c) tf_buf_putc(&b, ',');
            tf_csv_write_field(&b, t->names[c], strlen(t->names[c]), ',');
        }
        tf_buf_putc(&b, '\n');
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < t->ncols; c++) {
                const char *v = t->cells.v[(size_t)r * (size_t)t->ncols + (size_t)c];
                if (c) tf_buf_putc(&b, ',');
                if (v) tf_csv_write_field(&b, v, strlen(v), ',');
            }
            tf_buf_putc(&b, '\n');
        }
        fwrite(b.data, 1, b.len, out);
        tf_buf_free(&b);
        return;
    }
    /* aligned text table */
    size_t *w = tf_xcalloc((size_t)t->ncols, sizeof *w);
    for (int c = 0; c < t->ncols; c++) w[c] = strlen(t->names[c]);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells.v[(size_t)r * (size_t)t->ncols + (size_t)c];
            size_t l = v ? strlen(v) : 0;
            if (l > w[c]) w[c] = l;
        }
    for (int c = 0; c < t->ncols; c++)
        fprintf(out, "%s%-*s", c ? "  " : "", (int)w[c], t->names[c]);
    fputc('\n', out);
    for (int c = 0; c < t->ncols; c++) {
        fputs(c ? "  " : "", out);
        for (size_t k = 0; k < w[c]; k++) fputc('-', out);
    }
    fputc('\n', out);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells.v[(size_t)r * (size_t)t->ncols + (size_t)c];
            if (t->kinds[c] == TF_COL_TEXT) fprintf(out, "%s%-*s", c ? "  " : "", (int)w[c], v ? v : "");
            else fprintf(out, "%s%*s", c ? "  " : "", (int)w[c], v ? v : "");
        }
        fputc('\n', out);
    }
    if (!rows) fputs("(no rows)\n", out);
    free(w);
}
