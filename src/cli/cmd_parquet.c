/* cmd_parquet.c — `tripflow parquet schema` (schema tree, row groups, per
 * column chunk encodings, codec, sizes, statistics and page counts),
 * `tripflow parquet cat` (rows as CSV or JSON lines, nested values as JSON)
 * and `tripflow parquet scan` (decode columns into typed arrays with
 * row-group pruning: the reader's fast path, for checks and benchmarks). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/cli.h"
#include "tripflow/parquet.h"

/* ---------------- schema ---------------- */

static const char *phys_name(int t)
{
    static const char *n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                              "FIXED_LEN_BYTE_ARRAY"};
    return t >= 0 && t < 8 ? n[t] : "UNKNOWN";
}

static const char *codec_name(int c)
{
    static const char *n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    return c >= 0 && c < 8 ? n[c] : "UNKNOWN";
}

static const char *enc_name(int e)
{
    static const char *n[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                              "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                              "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return e >= 0 && e < 10 ? n[e] : "UNKNOWN";
}

static void logical_text(const tf_pq_node *n, char *out, size_t cap)
{
    static const char *unit[] = {"", "MILLIS", "MICROS", "NANOS"};
    const char *u = n->ts_unit >= 1 && n->ts_unit <= 3 ? unit[n->ts_unit] : "?";
    switch (n->logical) {
    case TF_PQL_STRING: snprintf(out, cap, " STRING"); break;
    case TF_PQL_DATE: snprintf(out, cap, " DATE"); break;
    case TF_PQL_TIMESTAMP:
        if (n->physical == TF_PQ_INT96) snprintf(out, cap, " TIMESTAMP(INT96)");
        else snprintf(out, cap, " TIMESTAMP(%s, %s)", u, n->ts_utc ? "UTC" : "local");
        break;
    case TF_PQL_TIME: snprintf(out, cap, " TIME(%s)", u); break;
    case TF_PQL_DECIMAL: snprintf(out, cap, " DECIMAL(%d, %d)", n->dec_precision, n->dec_scale); break;
    case TF_PQL_INT: snprintf(out, cap, " INT(%d, %s)", n->int_bits, n->int_signed ? "signed" : "unsigned"); break;
    case TF_PQL_UUID: snprintf(out, cap, " UUID"); break;
    case TF_PQL_FLOAT16: snprintf(out, cap, " FLOAT16"); break;
    case TF_PQL_LIST: snprintf(out, cap, " LIST"); break;
    case TF_PQL_MAP: snprintf(out, cap, " MAP"); break;
    case TF_PQL_NULL: snprintf(out, cap, " UNKNOWN"); break;
    case TF_PQL_OTHER: snprintf(out, cap, " (other annotation)"); break;
    default: out[0] = '\0';
    }
}

static void print_node(const tf_pq_file *f, int ni, int depth, FILE *out)
{
    static const char *rep[] = {"required", "optional", "repeated"};
    const tf_pq_node *n = tf_pq_node_at(f, ni);
    char lt[64];
    logical_text(n, lt, sizeof lt);
    if (ni == 0) {
        fprintf(out, "schema (%d columns):\n", tf_pq_num_columns(f));
    } else if (n->is_leaf) {
        char fl[32] = "";
        if (n->physical == TF_PQ_FIXED) snprintf(fl, sizeof fl, "(%d)", n->type_length);
        fprintf(out, "%*s%s: %s %s%s%s\n", 2 * depth, "", n->name, rep[n->repetition], phys_name(n->physical), fl, lt);
    } else {
        fprintf(out, "%*s%s: %s group%s\n", 2 * depth, "", n->name, rep[n->repetition], lt);
    }
    for (int i = 0; i < n->nchildren; i++) print_node(f, n->children[i], depth + 1, out);
}

/* the text of a statistic by the column's type */
static void stat_text(const tf_pq_file *f, int col, const tf_pq_stats *s, int which, tf_buf *out)
{
    const tf_pq_node *n = tf_pq_leaf(f, col);
    tf_pq_batch b = {0};
    b.col = col;
    b.physical = n->physical;
    int32_t i32;
    int64_t i64;
    float fl;
    double d;
    uint8_t bo;
    tf_pq_str str;
    switch (n->physical) {
    case TF_PQ_BOOLEAN:
        bo = (uint8_t)(which ? s->max_i : s->min_i);
        b.values = &bo;
        break;
    case TF_PQ_INT32:
        i32 = (int32_t)(which ? s->max_i : s->min_i);
        b.values = &i32;
        break;
    case TF_PQ_INT64:
        i64 = which ? s->max_i : s->min_i;
        b.values = &i64;
        break;
    case TF_PQ_FLOAT:
        fl = (float)(which ? s->max_d : s->min_d);
        b.values = &fl;
        break;
    case TF_PQ_DOUBLE:
        d = which ? s->max_d : s->min_d;
        b.values = &d;
        break;
    case TF_PQ_BYTE_ARRAY:
        str.ptr = (const char *)(which ? s->max_b : s->min_b);
        str.len = which ? s->max_len : s->min_len;
        b.strs = &str;
        break;
    case TF_PQ_FIXED: b.values = which ? s->max_b : s->min_b; break;
    default: tf_buf_puts(out, "?"); return;
    }
    tf_pq_format_value(f, &b, 0, 0, out);
}

typedef struct {
    int unused;
} schema_conf;

static int run_schema(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)vconf, (void)argc;
    tf_pq_file *f;
    if (tf_pq_open(argv[0], NULL, &f, err)) return err->code;
    FILE *out = stdout;
    fprintf(out, "file: %s\n", argv[0]);
    fprintf(out, "created_by: %s\n", tf_pq_created_by(f));
    fprintf(out, "format version: %d\n", tf_pq_format_version(f));
    fprintf(out, "rows: %lld\n", (long long)tf_pq_num_rows(f));
    fprintf(out, "row groups: %d\n", tf_pq_num_row_groups(f));
    for (int i = 0; i < tf_pq_num_kv(f); i++) {
        const char *k, *v;
        tf_pq_kv(f, i, &k, &v);
        if (i == 0) fprintf(out, "key-value metadata:\n");
        size_t vl = v ? strlen(v) : 0;
        fprintf(out, "  %s = %.*s%s\n", k, (int)(vl > 200 ? 200 : vl), v ? v : "(null)", vl > 200 ? "..." : "");
    }
    print_node(f, 0, 0, out);
    tf_buf t = {0};
    int rc = TF_OK;
    for (int g = 0; g < tf_pq_num_row_groups(f) && !rc; g++) {
        int64_t csize = 0, usize = 0;
        for (int c = 0; c < tf_pq_num_columns(f); c++) {
            tf_pq_chunk_info ci;
            tf_pq_chunk_meta(f, g, c, &ci);
            csize += ci.compressed_size;
            usize += ci.uncompressed_size;
        }
        fprintf(out, "row group %d: %lld rows, %lld bytes compressed, %lld bytes uncompressed\n", g,
                (long long)tf_pq_row_group_rows(f, g), (long long)csize, (long long)usize);
        for (int c = 0; c < tf_pq_num_columns(f); c++) {
            tf_pq_chunk_info ci;
            tf_pq_page_counts pc;
            tf_pq_chunk_meta(f, g, c, &ci);
            if ((rc = tf_pq_count_pages(f, g, c, &pc, err))) break;
            t.len = 0;
            for (int e = 0; e < ci.nencodings && e < 12; e++)
                tf_buf_printf(&t, "%s%s", e ? "," : "", enc_name(ci.encodings[e]));
            fprintf(out, "  column %s: %s %s, encodings %s, %lld values, %lld bytes compressed, %lld uncompressed\n",
                    tf_pq_leaf(f, c)->path, phys_name(tf_pq_leaf(f, c)->physical), codec_name(ci.codec),
                    t.len ? tf_buf_cstr(&t) : "-", (long long)ci.num_values, (long long)ci.compressed_size,
                    (long long)ci.uncompressed_size);
            fprintf(out, "    pages: %d dictionary, %d data v1, %d data v2%s", pc.dict_pages, pc.data_pages_v1,
                    pc.data_pages_v2, pc.index_pages ? "" : "\n");
            if (pc.index_pages) fprintf(out, ", %d index\n", pc.index_pages);
            t.len = 0;
            if (ci.stats.has_null_count) tf_buf_printf(&t, "null_count %lld", (long long)ci.stats.null_count);
            if (ci.stats.has_min_max) {
                tf_buf_printf(&t, "%smin ", t.len ? ", " : "");
                stat_text(f, c, &ci.stats, 0, &t);
                tf_buf_puts(&t, ", max ");
                stat_text(f, c, &ci.stats, 1, &t);
            }
            fprintf(out, "    statistics: %s\n", t.len ? tf_buf_cstr(&t) : "none");
        }
    }
    tf_buf_free(&t);
    tf_pq_close(f);
    return rc;
}

static const tf_opt schema_opts[] = {TF_OPT_END};

const tf_cmd tf_cmd_parquet_schema = {
    .name = "parquet schema",
    .summary = "Show a Parquet file's schema, row groups, encodings, sizes and statistics",
    .args = "FILE",
    .min_args = 1,
    .max_args = 1,
    .opts = schema_opts,
    .conf_size = sizeof(schema_conf),
    .run = run_schema,
    .details = "Prints the schema tree (repetition, physical and logical types), then for every row group each\n"
               "column chunk's codec, encodings, value count, sizes, page counts and statistics\n"
               "(null_count, min, max).\n\nExample:\n\n    tripflow parquet schema trips.parquet",
};

/* ---------------- cat ---------------- */

typedef struct {
    const char *columns;
    int64_t limit;
    int format;
} cat_conf;

static int pick_fields(const tf_pq_file *f, const char *spec, int **out, int *n, tf_err *err)
{
    *out = NULL;
    *n = 0;
    if (!spec) return TF_OK;
    char *s = tf_xstrdup(spec);
    int cap = 8;
    int *v = tf_xmalloc(sizeof(int) * (size_t)cap);
    for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        int ni = tf_pq_find_field(f, tok);
        if (ni < 0) {
            const tf_pq_node *root = tf_pq_node_at(f, 0);
            tf_buf names = {0};
            for (int i = 0; i < root->nchildren; i++)
                tf_buf_printf(&names, "%s%s", i ? ", " : "", tf_pq_node_at(f, root->children[i])->name);
            tf_errf(err, TF_EINVAL, "%s: no column '%s' (columns: %s)", tf_pq_name(f), tok, tf_buf_cstr(&names));
            tf_buf_free(&names);
            free(s);
            free(v);
            return TF_EINVAL;
        }
        if (*n == cap) v = tf_xrealloc(v, sizeof(int) * (size_t)(cap *= 2));
        v[(*n)++] = ni;
    }
    free(s);
    if (*n == 0) {
        free(v);
        return tf_errf(err, TF_EINVAL, "--columns: no column named");
    }
    *out = v;
    return TF_OK;
}

static int run_cat(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc;
    cat_conf *c = vconf;
    int fmt = c->format < 0 ? TF_PQ_CSV : (c->format == 0 ? TF_PQ_CSV : TF_PQ_JSON);
    tf_pq_file *f;
    if (tf_pq_open(argv[0], NULL, &f, err)) return err->code;
    int *fields = NULL, nfields = 0;
    tf_pq_rows *rows = NULL;
    tf_buf out = {0};
    int rc = pick_fields(f, c->columns, &fields, &nfields, err);
    if (!rc) rc = tf_pq_rows_open(f, fields, nfields, &rows, err);
    if (!rc && fmt == TF_PQ_CSV) {
        const tf_pq_node *root = tf_pq_node_at(f, 0);
        int n = fields ? nfields : root->nchildren;
        for (int i = 0; i < n; i++) {
            const char *name = tf_pq_node_at(f, fields ? fields[i] : root->children[i])->name;
            if (i) tf_buf_putc(&out, ',');
            tf_buf_puts(&out, name);
        }
        tf_buf_putc(&out, '\n');
    }
    for (int64_t i = 0; !rc && (c->limit < 0 || i < c->limit); i++) {
        int r = tf_pq_rows_next(rows, fmt, &out, err);
        if (r < 0) rc = r;
        if (r <= 0) break;
        tf_buf_putc(&out, '\n');
        if (out.len > (1 << 20)) {
            fwrite(out.data, 1, out.len, stdout);
            out.len = 0;
        }
    }
    if (out.len) fwrite(out.data, 1, out.len, stdout);
    if (fflush(stdout) != 0 && !rc) rc = tf_errno(err, TF_EIO, "stdout");
    tf_buf_free(&out);
    tf_pq_rows_close(rows);
    free(fields);
    tf_pq_close(f);
    return rc;
}

static const tf_opt cat_opts[] = {
    {"columns", TF_OPT_STRING, offsetof(cat_conf, columns), NULL, "A,B",
     "top-level columns to print, in this order (default: all)", NULL, NULL},
    {"limit", TF_OPT_INT, offsetof(cat_conf, limit), "-1", "N", "print at most N rows (-1: all)", NULL, NULL},
    {"format", TF_OPT_ENUM, offsetof(cat_conf, format), "csv", "FMT",
     "csv (with a header) or jsonl (one JSON object per row)", "csv|jsonl", NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_parquet_cat = {
    .name = "parquet cat",
    .summary = "Print the rows of a Parquet file as CSV or JSON lines",
    .args = "FILE",
    .min_args = 1,
    .max_args = 1,
    .opts = cat_opts,
    .conf_size = sizeof(cat_conf),
    .run = run_cat,
    .details = "Only the named columns are read (projection).  Nested values (lists, structs, maps) are written\n"
               "as JSON in both formats; timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC), dates as\n"
               "'YYYY-MM-DD', binary values that are not UTF-8 with \\xHH escapes and FIXED_LEN_BYTE_ARRAY\n"
               "as lowercase hex.  NULL is an empty CSV field or JSON null.\n\nExamples:\n\n"
               "    tripflow parquet cat trips.parquet --limit 5\n"
               "    tripflow parquet cat staypoints.parquet --columns user_id,staypoints --format jsonl",
};

/* ---------------- scan ---------------- */

typedef struct {
    const char *columns;
    const char *range;
    int64_t threads;
} scan_conf;

typedef struct scan_col {
    int col;
    int64_t values, nulls, bytes;
    tf_pq_stats st; /* min/max so far */
} scan_col;

static void scan_update(scan_col *sc, int physical, const void *v, const uint8_t *valid, int64_t n)
{
    tf_pq_stats *st = &sc->st;
    for (int64_t i = 0; i < n; i++) {
        if (valid && !valid[i]) {
            sc->nulls++;
            continue;
        }
        sc->values++;
        if (physical == TF_PQ_DOUBLE || physical == TF_PQ_FLOAT) {
            double x = physical == TF_PQ_DOUBLE ? ((const double *)v)[i] : ((const float *)v)[i];
            if (isnan(x)) continue;
            if (!st->has_min_max || x < st->min_d) st->min_d = x;
            if (!st->has_min_max || x > st->max_d) st->max_d = x;
            st->has_min_max = 1;
        } else if (physical == TF_PQ_INT64 || physical == TF_PQ_INT96 || physical == TF_PQ_INT32 ||
                   physical == TF_PQ_BOOLEAN) {
            int64_t x = physical == TF_PQ_INT32     ? ((const int32_t *)v)[i]
                        : physical == TF_PQ_BOOLEAN ? ((const uint8_t *)v)[i]
                                                    : ((const int64_t *)v)[i];
            if (!st->has_min_max || x < st->min_i) st->min_i = x;
            if (!st->has_min_max || x > st->max_i) st->max_i = x;
            st->has_min_max = 1;
        }
    }
}

static int parse_range(const tf_pq_file *f, const char *spec, int *col, double *lo, double *hi, tf_err *err)
{
    const char *c2 = strrchr(spec, ':');
    const char *c1 = c2 ? (const char *)memrchr(spec, ':', (size_t)(c2 - spec)) : NULL;
    char *name = c1 ? tf_xstrndup(spec, (size_t)(c1 - spec)) : NULL;
    char *end1, *end2;
    if (!c1 || !*name || (*lo = strtod(c1 + 1, &end1), end1 != c2) || (*hi = strtod(c2 + 1, &end2), *end2)) {
        free(name);
        return tf_errf(err, TF_EINVAL, "--range '%s': expected COLUMN:LO:HI", spec);
    }
    *col = tf_pq_find_column(f, name);
    int rc = TF_OK;
    if (*col < 0) rc = tf_errf(err, TF_EINVAL, "%s: --range: no column '%s'", tf_pq_name(f), name);
    free(name);
    return rc;
}

static void scan_merge(scan_col *d, const scan_col *s, int physical)
{
    d->values += s->values;
    d->nulls += s->nulls;
    d->bytes += s->bytes;
    if (!s->st.has_min_max) return;
    int fl = physical == TF_PQ_DOUBLE || physical == TF_PQ_FLOAT;
    if (!d->st.has_min_max || (fl ? s->st.min_d < d->st.min_d : s->st.min_i < d->st.min_i))
        d->st.min_d = s->st.min_d, d->st.min_i = s->st.min_i;
    if (!d->st.has_min_max || (fl ? s->st.max_d > d->st.max_d : s->st.max_i > d->st.max_i))
        d->st.max_d = s->st.max_d, d->st.max_i = s->st.max_i;
    d->st.has_min_max = 1;
}

/* the (row group, column) tasks of a scan, shared by its threads */
typedef struct scan_job {
    const tf_pq_file *f;
    scan_col *sel;
    int nsel;
    const int *groups;
    int ntasks;
    atomic_int next;
    pthread_mutex_t mu;
    int rc;
    tf_err err;
} scan_job;

static void *scan_worker(void *arg)
{
    scan_job *j = arg;
    const tf_pq_file *f = j->f;
    scan_col *mine = tf_xcalloc((size_t)j->nsel, sizeof *mine);
    tf_pq_batch b = {0};
    void *dst = NULL;
    uint8_t *valid = NULL;
    size_t cap = 0;
    tf_err err = {0};
    int rc = TF_OK;
    for (int t; !rc && (t = atomic_fetch_add(&j->next, 1)) < j->ntasks;) {
        int g = j->groups[t / j->nsel], k = t % j->nsel, col = j->sel[k].col;
        int64_t n = tf_pq_row_group_rows(f, g);
        const tf_pq_node *leaf = tf_pq_leaf(f, col);
        int w = leaf->physical == TF_PQ_BOOLEAN                                   ? 1
                : leaf->physical == TF_PQ_INT32 || leaf->physical == TF_PQ_FLOAT ? 4
                : leaf->physical == TF_PQ_FIXED                                   ? leaf->type_length
                : leaf->physical == TF_PQ_BYTE_ARRAY                              ? 0
                                                                                  : 8;
        if (!leaf->max_rep && w) {
            /* the typed fast path into caller arrays */
            if ((size_t)n * (size_t)w + 16 > cap || !dst) {
                cap = (size_t)n * (size_t)w + 16;
                free(dst);
                free(valid);
                dst = tf_xmalloc(cap);
                valid = tf_xmalloc(cap);
            }
            if ((rc = tf_pq_read_flat(f, g, col, &b, dst, valid, &err))) break;
            scan_update(&mine[k], leaf->physical, dst, valid, n);
        } else {
            if ((rc = tf_pq_read_chunk(f, g, col, &b, &err))) break;
            mine[k].nulls += b.num_levels - b.num_values;
            if (b.strs) {
                mine[k].values += b.num_values;
                for (int64_t i = 0; i < b.num_values; i++) mine[k].bytes += b.strs[i].len;
            } else {
                scan_update(&mine[k], leaf->physical, b.values, NULL, b.num_values);
            }
        }
    }
    pthread_mutex_lock(&j->mu);
    if (rc) {
        atomic_store(&j->next, j->ntasks);
        if (!j->rc) {
            j->rc = rc;
            j->err = err;
        }
    }
    for (int k = 0; k < j->nsel; k++) scan_merge(&j->sel[k], &mine[k], tf_pq_leaf(f, j->sel[k].col)->physical);
    pthread_mutex_unlock(&j->mu);
    tf_pq_batch_free(&b);
    free(dst);
    free(valid);
    free(mine);
    return NULL;
}

static int run_scan(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc;
    scan_conf *c = vconf;
    tf_pq_file *f;
    if (c->threads < 0 || c->threads > 256) return tf_errf(err, TF_EINVAL, "--threads: expected 0..256");
    if (tf_pq_open(argv[0], NULL, &f, err)) return err->code;
    int ncols = tf_pq_num_columns(f), nsel = 0, rc = TF_OK;
    scan_col *sel = tf_xcalloc((size_t)(ncols ? ncols : 1), sizeof *sel);
    if (c->columns) {
        char *s = tf_xstrdup(c->columns), *save = NULL;
        for (char *t = strtok_r(s, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
            int col = tf_pq_find_column(f, t), field = tf_pq_find_field(f, t);
            if (col >= 0) {
                if (nsel < ncols) sel[nsel++].col = col;
            } else if (field >= 0) {
                const tf_pq_node *n = tf_pq_node_at(f, field);
                for (int k = 0; k < n->nleaves && nsel < ncols; k++) sel[nsel++].col = n->first_leaf + k;
            } else {
                rc = tf_errf(err, TF_EINVAL, "%s: no column '%s'", tf_pq_name(f), t);
            }
        }
        free(s);
    } else {
        for (int i = 0; i < ncols; i++) sel[nsel++].col = i;
    }
    int rcol = -1;
    double lo = 0, hi = 0;
    if (!rc && c->range) rc = parse_range(f, c->range, &rcol, &lo, &hi, err);
    int ng = tf_pq_num_row_groups(f), nscan = 0;
    int *groups = tf_xmalloc(sizeof(int) * (size_t)(ng ? ng : 1));
    int64_t rows = 0;
    for (int g = 0; g < ng; g++) {
        if (rcol >= 0 && tf_pq_can_skip(f, g, rcol, lo, hi)) continue;
        groups[nscan++] = g;
        rows += tf_pq_row_group_rows(f, g);
    }
    if (!rc && nsel > 0 && nscan > 0) {
        scan_job j = {.f = f, .sel = sel, .nsel = nsel, .groups = groups, .ntasks = nscan * nsel};
        atomic_init(&j.next, 0);
        pthread_mutex_init(&j.mu, NULL);
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        int nt = c->threads ? (int)c->threads : (int)(cpus > 0 ? cpus : 1);
        if (nt > j.ntasks) nt = j.ntasks;
        pthread_t *th = tf_xcalloc((size_t)nt, sizeof *th);
        int started = 0;
        for (int i = 1; i < nt; i++)
            if (pthread_create(&th[i], NULL, scan_worker, &j) == 0) started = i;
            else break;
        scan_worker(&j);
        for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
        free(th);
        pthread_mutex_destroy(&j.mu);
        if (j.rc) {
            rc = j.rc;
            *err = j.err;
        }
    }
    if (!rc) {
        printf("row groups: %d of %d scanned\nrows: %lld\n", nscan, ng, (long long)rows);
        tf_buf t = {0};
        for (int k = 0; k < nsel; k++) {
            const tf_pq_node *leaf = tf_pq_leaf(f, sel[k].col);
            t.len = 0;
            tf_buf_printf(&t, "column %s: %lld values, %lld nulls", leaf->path, (long long)sel[k].values,
                          (long long)sel[k].nulls);
            if (leaf->physical == TF_PQ_BYTE_ARRAY) tf_buf_printf(&t, ", %lld bytes", (long long)sel[k].bytes);
            if (sel[k].st.has_min_max) {
                tf_buf_puts(&t, ", min ");
                stat_text(f, sel[k].col, &sel[k].st, 0, &t);
                tf_buf_puts(&t, ", max ");
                stat_text(f, sel[k].col, &sel[k].st, 1, &t);
            }
            printf("%s\n", tf_buf_cstr(&t));
        }
        tf_buf_free(&t);
    }
    free(groups);
    free(sel);
    tf_pq_close(f);
    return rc;
}

static const tf_opt scan_opts[] = {
    {"columns", TF_OPT_STRING, offsetof(scan_conf, columns), NULL, "A,B",
     "columns to decode: leaf paths (a.list.element.x) or top-level names (default: all)", NULL, NULL},
    {"range", TF_OPT_STRING, offsetof(scan_conf, range), NULL, "COL:LO:HI",
     "skip row groups whose statistics prove numeric column COL has no value in [LO, HI]", NULL, NULL},
    {"threads", TF_OPT_INT, offsetof(scan_conf, threads), "0", "N",
     "decode (row group, column) chunks on N threads (0: one per CPU)", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_parquet_scan = {
    .name = "parquet scan",
    .summary = "Decode columns of a Parquet file and print their counts, nulls, min and max",
    .args = "FILE",
    .min_args = 1,
    .max_args = 1,
    .opts = scan_opts,
    .conf_size = sizeof(scan_conf),
    .run = run_scan,
    .details = "Decodes every selected column chunk into typed arrays (the path the lake's scans use; no text\n"
               "output per row) and prints per column the non-null values, nulls, bytes of strings and the\n"
               "min and max found.  With --range only the row groups whose statistics allow a value of COL\n"
               "in [LO, HI] are read.  Chunks are decoded on --threads threads sharing one open file.\n\nExamples:\n\n"
               "    tripflow parquet scan trips.parquet --columns lat,lng\n"
               "    tripflow parquet scan trips.parquet --columns lat --range lat:52.3:52.7",
};
