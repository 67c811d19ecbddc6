/* sp_source_parquet.c — trips from Parquet: one file, or a directory of files
 * read recursively in path order (Hive key=value directories are noted, and
 * a needed column that the files lack is taken from a partition key of that
 * name), one row group at a time, decoding only the seven columns the job
 * needs.  Rows with a null, a bad value or an invalid id go to the reject
 * file with the file, row group and row (see sp_io.h, docs/staypoints.md). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sp_pq_int.h"
#include "tripflow/fsutil.h"
#include "tripflow/lake.h"
#include "tripflow/num.h"
#include "tripflow/parquet.h"
#include "tripflow/trip.h" /* tf_utf8_valid */

const char *const sp_col_names[SP_NCOLS] = {"user_id", "trip_start_time", "trip_end_time", "start_lat",
                                            "start_lng", "end_lat",         "end_lng"};

/* how a column's values are obtained */
enum { K_NULL, K_CONST, K_STR, K_TIME, K_DOUBLE, K_FLOAT };

typedef struct colres {
    int kind;
    int col;   /* leaf index */
    int unit;  /* K_TIME: TF_PQ_MILLIS, _MICROS, _NANOS */
    int naive; /* K_TIME: wall-clock time (read in --timezone) */
    /* K_CONST: the value of a Hive partition key (or why it is not one) */
    const char *cs;
    size_t cslen;
    int64_t ci;
    double cd;
    char creason[TF_ERR_MSG + 64]; /* non-empty: the key's text is not a valid value */
} colres;

typedef struct pq_src {
    tf_trip_source base;
    sp_pq_files files;
    int ids[SP_NCOLS], use_ids;
    const tf_tz *tz;
    tf_rejects *rej;
    size_t batch_rows;
    int fi;             /* current file index; -1 before the first */
    tf_map map;         /* the current file, mapped here so that pages read can be let go */
    int mapped;
    tf_pq_file *pf;
    colres cr[SP_NCOLS];
    int rg, nrg;        /* current row group */
    int64_t rg_rows, rg_next;
    /* the decoded row group, one slot per row */
    tf_pq_batch ub, sb;
    TF_VEC(const char *) up;
    TF_VEC(uint32_t) ul;
    TF_VEC(uint8_t) ok[SP_NCOLS];
    TF_VEC(int64_t) t[2];
    TF_VEC(double) d[4];
    TF_VEC(float) ftmp;
    char reason[256];
    tf_buf rec;
} pq_src;

void sp_pq_files_free(sp_pq_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        sp_pq_file *x = &f->v[i];
        free(x->path);
        free(x->name);
        for (int k = 0; k < x->nparts; k++) {
            free(x->keys[k]);
            free(x->vals[k]);
        }
        free(x->keys);
        free(x->vals);
        free(x->val_lens);
    }
    tf_vec_free(f);
}

/* "INT64", "INT32 (DECIMAL)": a column's type for messages */
static void type_name(const tf_pq_node *n, char *b, size_t cap)
{
    static const char *const ph[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                     "FIXED_LEN_BYTE_ARRAY"};
    static const char *const lg[] = {"",     "STRING", "DATE", "TIMESTAMP", "TIME", "DECIMAL", "INT",
                                     "UUID", "FLOAT16", "LIST", "MAP",      "NULL", "another annotation"};
    const char *p = n->physical >= 0 && n->physical < 8 ? ph[n->physical] : "?";
    const char *l = n->logical > 0 && n->logical <= TF_PQL_OTHER ? lg[n->logical] : "";
    if (*l) snprintf(b, cap, "%s (%s)", p, l);
    else snprintf(b, cap, "%s", p);
}

/* the top-level leaf for column c, or -1 */
static int find_leaf(const pq_src *s, int c, int has_ids)
{
    const tf_pq_node *root = tf_pq_node_at(s->pf, 0);
    int exact = -1, loose = -1, nloose = 0;
    for (int i = 0; i < root->nchildren; i++) {
        const tf_pq_node *n = tf_pq_node_at(s->pf, root->children[i]);
        if (has_ids) {
            if (n->field_id == s->ids[c]) return root->children[i];
            continue;
        }
        if (!strcmp(n->name, sp_col_names[c])) exact = root->children[i];
        else if (!strcasecmp(n->name, sp_col_names[c])) loose = root->children[i], nloose++;
    }
    return exact >= 0 ? exact : nloose == 1 ? loose : -1;
}

/* A needed column the file lacks, from a Hive partition key of that name. */
static int from_partition(pq_src *s, const sp_pq_file *f, int c)
{
    colres *r = &s->cr[c];
    for (int k = f->nparts - 1; k >= 0; k--) {
        if (strcasecmp(f->keys[k], sp_col_names[c])) continue;
        const char *v = f->vals[k];
        size_t n = f->val_lens[k];
        r->kind = K_CONST;
        r->creason[0] = 0;
        if (!strcmp(v, "__HIVE_DEFAULT_PARTITION__")) {
            r->kind = K_NULL;
        } else if (c == SP_C_USER) {
            r->cs = v;
            r->cslen = n;
        } else if (c <= SP_C_END) {
            tf_err e = {0};
            if (!n) r->kind = K_NULL;
            else if (tf_parse_timestamp(v, n, s->tz, &r->ci, &e)) snprintf(r->creason, sizeof r->creason, "%s", e.msg);
        } else {
            if (!n) r->kind = K_NULL;
            else if (!tf_parse_double(v, n, &r->cd))
                snprintf(r->creason, sizeof r->creason, "expected a decimal number, got '%.40s'", v);
        }
        return 1;
    }
    return 0;
}

static int resolve(pq_src *s, const sp_pq_file *f, tf_err *err)
{
    const tf_pq_node *root = tf_pq_node_at(s->pf, 0);
    int has_ids = 0;
    if (s->use_ids)
        for (int i = 0; i < root->nchildren; i++)
            if (tf_pq_node_at(s->pf, root->children[i])->field_id >= 0) has_ids = 1;
    for (int c = 0; c < SP_NCOLS; c++) {
        colres *r = &s->cr[c];
        memset(r, 0, sizeof *r);
        const char *cn = sp_col_names[c];
        int node = find_leaf(s, c, has_ids);
        if (node < 0) {
            if (from_partition(s, f, c)) continue;
            if (has_ids) { /* an Iceberg column this file was written without: null */
                r->kind = K_NULL;
                continue;
            }
            tf_buf names = {0};
            for (int i = 0; i < root->nchildren; i++)
                tf_buf_printf(&names, "%s%s", i ? ", " : "", tf_pq_node_at(s->pf, root->children[i])->name);
            tf_errf(err, TF_EFORMAT, "%s: missing column %s (the file has: %s)", f->name, cn,
                    names.len ? tf_buf_cstr(&names) : "no columns");
            tf_buf_free(&names);
            return err->code;
        }
        const tf_pq_node *n = tf_pq_node_at(s->pf, node);
        if (!n->is_leaf || n->max_rep)
            return tf_errf(err, TF_EFORMAT, "%s: column %s: expected a plain value, got a %s", f->name, n->name,
                           n->is_leaf ? "repeated field" : "group (struct, list or map)");
        r->col = n->leaf;
        char ph[64];
        type_name(n, ph, sizeof ph);
        if (c == SP_C_USER) {
            if (n->physical != TF_PQ_BYTE_ARRAY ||
                !(n->logical == TF_PQL_NONE || n->logical == TF_PQL_STRING))
                return tf_errf(err, TF_EFORMAT, "%s: column %s: expected a STRING (BYTE_ARRAY), got %s", f->name,
                               n->name, ph);
            r->kind = K_STR;
        } else if (c <= SP_C_END) {
            if (n->physical == TF_PQ_INT96) {
                r->kind = K_TIME, r->unit = TF_PQ_MICROS, r->naive = 1;
            } else if (n->physical == TF_PQ_INT64 && n->logical == TF_PQL_TIMESTAMP) {
                r->kind = K_TIME, r->unit = n->ts_unit, r->naive = !n->ts_utc;
            } else if (n->logical == TF_PQL_DATE) {
                return tf_errf(err, TF_EFORMAT,
                               "%s: column %s: DATE has no time of day (expected TIMESTAMP or INT96: trips are "
                               "ordered by time)",
                               f->name, n->name);
            } else {
                return tf_errf(err, TF_EFORMAT,
                               "%s: column %s: expected a TIMESTAMP (INT64 with a TIMESTAMP annotation, or INT96), "
                               "got %s",
                               f->name, n->name, ph);
            }
        } else {
            if (n->physical == TF_PQ_DOUBLE && n->logical == TF_PQL_NONE) r->kind = K_DOUBLE;
            else if (n->physical == TF_PQ_FLOAT && n->logical == TF_PQL_NONE) r->kind = K_FLOAT;
            else
                return tf_errf(err, TF_EFORMAT, "%s: column %s: expected DOUBLE or FLOAT, got %s", f->name, n->name,
                               ph);
        }
    }
    return TF_OK;
}

/* open the next file that has a row group; 0 when there is none */
static void close_file(pq_src *s)
{
    if (s->pf) tf_pq_close(s->pf);
    s->pf = NULL;
    if (s->mapped) tf_map_close(&s->map);
    s->mapped = 0;
}

/* The row group's column chunks were decoded: drop their pages from the
 * process (they stay in the page cache), so that the resident memory of a
 * run does not grow with the size of the input. */
static void release_group(pq_src *s)
{
    int64_t lo = INT64_MAX, hi = 0;
    for (int c = 0; c < SP_NCOLS; c++) {
        if (s->cr[c].kind == K_NULL || s->cr[c].kind == K_CONST) continue;
        tf_pq_chunk_info ci;
        if (tf_pq_chunk_meta(s->pf, s->rg, s->cr[c].col, &ci) != TF_OK) return;
        int64_t start = ci.dictionary_page_offset > 0 && ci.dictionary_page_offset < ci.data_page_offset
                            ? ci.dictionary_page_offset
                            : ci.data_page_offset;
        if (start < lo) lo = start;
        if (start + ci.compressed_size > hi) hi = start + ci.compressed_size;
    }
    long page = sysconf(_SC_PAGESIZE);
    int64_t a = (lo + page - 1) / page * page, b = hi / page * page;
    if (lo == INT64_MAX || b <= a || (uint64_t)b > s->map.size) return;
    madvise((void *)(uintptr_t)(s->map.data + a), (size_t)(b - a), MADV_DONTNEED);
}

static int next_file(pq_src *s, tf_err *err)
{
    for (;;) {
        close_file(s);
        if ((size_t)(s->fi + 1) >= s->files.n) return 0;
        s->fi++;
        const sp_pq_file *f = &s->files.v[s->fi];
        if (tf_map_open(f->path, &s->map, err)) return err->code;
        s->mapped = 1;
        if (tf_pq_open_mem(s->map.data, s->map.size, f->name, NULL, &s->pf, err)) {
            s->pf = NULL;
            return err->code;
        }
        if (resolve(s, f, err)) return err->code;
        s->rg = -1;
        s->nrg = tf_pq_num_row_groups(s->pf);
        if (s->nrg > 0) return 1;
    }
}

#define GROW(vec, n) tf_vec_grow(&(vec), (size_t)(n))

static int64_t unit_mul(int unit) { return unit == TF_PQ_MILLIS ? 1000 : 1; }

/* decode row group s->rg of the open file into the row arrays */
static int decode_group(pq_src *s, tf_err *err)
{
    int64_t n = s->rg_rows = tf_pq_row_group_rows(s->pf, s->rg);
    s->rg_next = 0;
    for (int c = 0; c < SP_NCOLS; c++) GROW(s->ok[c], n);
    GROW(s->up, n);
    GROW(s->ul, n);
    for (int k = 0; k < 2; k++) GROW(s->t[k], n);
    for (int k = 0; k < 4; k++) GROW(s->d[k], n);
    for (int c = 0; c < SP_NCOLS; c++) {
        colres *r = &s->cr[c];
        uint8_t *ok = s->ok[c].v;
        if (r->kind == K_NULL || r->kind == K_CONST) {
            memset(ok, r->kind == K_CONST, (size_t)n);
            for (int64_t i = 0; i < n && r->kind == K_CONST; i++) {
                if (c == SP_C_USER) s->up.v[i] = r->cs, s->ul.v[i] = (uint32_t)r->cslen;
                else if (c <= SP_C_END) s->t[c - SP_C_START].v[i] = r->ci;
                else s->d[c - SP_C_SLAT].v[i] = r->cd;
            }
            continue;
        }
        int rc = TF_OK;
        if (r->kind == K_STR) {
            rc = tf_pq_read_chunk(s->pf, s->rg, r->col, &s->ub, err);
            if (rc) return rc;
            const int16_t *def = s->ub.def;
            int16_t md = (int16_t)tf_pq_leaf(s->pf, r->col)->max_def;
            int64_t j = 0;
            for (int64_t i = 0; i < n; i++) {
                int v = !def || def[i] == md;
                ok[i] = (uint8_t)v;
                if (v) {
                    s->up.v[i] = s->ub.strs[j].ptr;
                    s->ul.v[i] = s->ub.strs[j].len;
                    j++;
                }
            }
        } else if (r->kind == K_TIME) {
            int64_t *t = s->t[c - SP_C_START].v;
            rc = tf_pq_read_flat(s->pf, s->rg, r->col, &s->sb, t, ok, err);
            if (rc) return rc;
            int64_t mul = unit_mul(r->unit);
            for (int64_t i = 0; i < n; i++) {
                if (!ok[i]) continue;
                int64_t v = t[i];
                if (r->unit == TF_PQ_NANOS) v = tf_floordiv(v, 1000);
                else if (mul != 1) {
                    if (v > INT64_MAX / mul || v < INT64_MIN / mul) v = v > 0 ? INT64_MAX : INT64_MIN;
                    else v *= mul;
                }
                if (r->naive && s->tz && v > INT64_MIN / 2 && v < INT64_MAX / 2) v = tf_tz_local_to_utc(s->tz, v);
                t[i] = v;
            }
        } else if (r->kind == K_DOUBLE) {
            rc = tf_pq_read_flat(s->pf, s->rg, r->col, &s->sb, s->d[c - SP_C_SLAT].v, ok, err);
        } else {
            GROW(s->ftmp, n);
            rc = tf_pq_read_flat(s->pf, s->rg, r->col, &s->sb, s->ftmp.v, ok, err);
            double *d = s->d[c - SP_C_SLAT].v;
            for (int64_t i = 0; i < n && !rc; i++) d[i] = (double)s->ftmp.v[i];
        }
        if (rc) return rc;
    }
    release_group(s);
    return TF_OK;
}

/* the first and last µs of years 0001-9999, the range text times have */
#define T_MIN (INT64_C(-62135596800) * TF_US_PER_SEC)
#define T_MAX (INT64_C(253402300799999999))

static int reject(pq_src *s, int64_t i, const char *field, const char *reason, tf_err *err)
{
    s->base.rejected++;
    tf_buf_clear(&s->rec);
    tf_buf_printf(&s->rec, "%s: row group %d, row %lld", s->files.v[s->fi].name, s->rg, (long long)i);
    if (tf_rejects_add(s->rej, s->base.rows, field, reason, s->rec.data, s->rec.len, err))
        return tf_err_prefix(err, "reject file: ");
    return TF_OK;
}

static int row(pq_src *s, int64_t i, tf_trip_batch *b, tf_err *err)
{
    s->base.rows++;
    for (int c = 0; c < SP_NCOLS; c++) {
        if (s->ok[c].v[i]) continue;
        snprintf(s->reason, sizeof s->reason, "missing %s", sp_col_names[c]);
        return reject(s, i, sp_col_names[c], s->reason, err);
    }
    for (int c = 0; c < SP_NCOLS; c++)
        if (s->cr[c].kind == K_CONST && s->cr[c].creason[0])
            return reject(s, i, sp_col_names[c], s->cr[c].creason, err);
    const char *uid = s->up.v[i];
    uint32_t ulen = s->ul.v[i];
    uint32_t lead = 0;
    while (lead < ulen && (uid[lead] == ' ' || uid[lead] == '\t')) lead++;
    if (lead == ulen) return reject(s, i, "user_id", "missing user_id", err);
    if (!tf_utf8_valid(uid, ulen)) return reject(s, i, "user_id", "user_id is not valid UTF-8", err);
    tf_sp_trip t = {.start = s->t[0].v[i], .end = s->t[1].v[i], .start_lat = s->d[0].v[i],
                    .start_lng = s->d[1].v[i], .end_lat = s->d[2].v[i], .end_lng = s->d[3].v[i]};
    for (int k = 0; k < 2; k++) {
        int64_t v = k ? t.end : t.start;
        if (v >= T_MIN && v <= T_MAX) continue;
        snprintf(s->reason, sizeof s->reason, "time out of range (years 0001 to 9999)");
        return reject(s, i, sp_col_names[SP_C_START + k], s->reason, err);
    }
    const char *bad;
    if (!tf_sp_trip_check(&t, &bad, s->reason, sizeof s->reason)) return reject(s, i, bad, s->reason, err);
    tf_trip_batch_push(b, uid, ulen, &t, s->base.rows);
    return TF_OK;
}

static int pq_next(tf_trip_source *base, tf_trip_batch *b, tf_err *err)
{
    pq_src *s = (pq_src *)base;
    tf_trip_batch_clear(b);
    int64_t first = s->base.rows, stop = first + (int64_t)s->batch_rows;
    while (s->base.rows < stop) {
        if (!s->pf || s->rg_next >= s->rg_rows) {
            if (!s->pf || s->rg + 1 >= s->nrg) {
                int r = next_file(s, err);
                if (r < 0) return r;
                if (r == 0) break;
            }
            s->rg++;
            if (decode_group(s, err)) return err->code;
            continue;
        }
        int64_t end = s->rg_next + (stop - s->base.rows);
        if (end > s->rg_rows) end = s->rg_rows;
        for (int64_t i = s->rg_next; i < end; i++)
            if (row(s, i, b, err)) return err->code;
        s->rg_next = end;
    }
    return s->base.rows > first;
}

static void pq_close(tf_trip_source *base)
{
    pq_src *s = (pq_src *)base;
    if (!s) return;
    close_file(s);
    sp_pq_files_free(&s->files);
    tf_pq_batch_free(&s->ub);
    tf_pq_batch_free(&s->sb);
    tf_vec_free(&s->up);
    tf_vec_free(&s->ul);
    for (int c = 0; c < SP_NCOLS; c++) tf_vec_free(&s->ok[c]);
    for (int k = 0; k < 2; k++) tf_vec_free(&s->t[k]);
    for (int k = 0; k < 4; k++) tf_vec_free(&s->d[k]);
    tf_vec_free(&s->ftmp);
    tf_buf_free(&s->rec);
    free(s);
}

int sp_pq_source_new(const char *kind, sp_pq_files *files, const int *field_ids, const tf_trip_source_opts *o,
                     tf_trip_source **out, tf_err *err)
{
    (void)err;
    pq_src *s = tf_xcalloc(1, sizeof *s);
    s->base.kind = kind;
    s->base.next = pq_next;
    s->base.close = pq_close;
    s->files = *files;
    memset(files, 0, sizeof *files);
    if (field_ids) {
        s->use_ids = 1;
        memcpy(s->ids, field_ids, sizeof s->ids);
    }
    s->tz = o->tz;
    s->rej = o->rejects;
    s->batch_rows = o->batch_rows ? o->batch_rows : 16384;
    s->fi = -1;
    *out = &s->base;
    return TF_OK;
}

/* ---- a file or a directory ---- */

/* Spark, Hive and DuckDB leave files such as _SUCCESS, .crc and hidden
 * temporaries beside their data: names starting with _ or . are not data. */
static int skipped_name(const char *n) { return n[0] == '.' || n[0] == '_'; }

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef TF_VEC(char *) str_vec;

/* every data file under dir (relative paths rel/...), recursively */
static int walk(const char *root, const char *rel, str_vec *out, int depth, tf_err *err)
{
    char *dir = rel[0] ? tf_path_join(root, rel) : tf_xstrdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = tf_errno(err, TF_EIO, "%s: cannot read the directory", dir);
        free(dir);
        return rc;
    }
    str_vec names = {0};
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (!skipped_name(e->d_name)) tf_vec_push(&names, tf_xstrdup(e->d_name));
    closedir(d);
    if (names.n) qsort(names.v, names.n, sizeof *names.v, name_cmp);
    int rc = TF_OK;
    for (size_t i = 0; i < names.n && !rc; i++) {
        char *r = rel[0] ? tf_path_join(rel, names.v[i]) : tf_xstrdup(names.v[i]);
        char *full = tf_path_join(root, r);
        struct stat st;
        if (stat(full, &st) != 0) {
            rc = tf_errno(err, TF_EIO, "%s", full);
        } else if (S_ISDIR(st.st_mode)) {
            if (depth >= 64) rc = tf_errf(err, TF_EFORMAT, "%s: directories nested too deep", full);
            else rc = walk(root, r, out, depth + 1, err);
        } else if (S_ISREG(st.st_mode)) {
            tf_vec_push(out, r);
            r = NULL;
        }
        free(r);
        free(full);
    }
    for (size_t i = 0; i < names.n; i++) free(names.v[i]);
    tf_vec_free(&names);
    free(dir);
    return rc;
}

/* the key=value directories of a relative path */
static void hive_parts(sp_pq_file *f, const char *rel)
{
    const char *p = rel;
    for (const char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        const char *eq = memchr(p, '=', (size_t)(slash - p));
        if (!eq || eq == p) continue;
        f->keys = tf_xrealloc(f->keys, (size_t)(f->nparts + 1) * sizeof *f->keys);
        f->vals = tf_xrealloc(f->vals, (size_t)(f->nparts + 1) * sizeof *f->vals);
        f->val_lens = tf_xrealloc(f->val_lens, (size_t)(f->nparts + 1) * sizeof *f->val_lens);
        size_t klen;
        f->keys[f->nparts] = tf_lake_unescape(p, (size_t)(eq - p), &klen);
        f->vals[f->nparts] = tf_lake_unescape(eq + 1, (size_t)(slash - eq - 1), &f->val_lens[f->nparts]);
        f->nparts++;
    }
}

int tf_trip_source_parquet(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err)
{
    *out = NULL;
    sp_pq_files files = {0};
    if (!tf_is_dir(path)) {
        sp_pq_file f = {.path = tf_xstrdup(path), .name = tf_xstrdup(path)};
        tf_vec_push(&files, f);
        return sp_pq_source_new("parquet", &files, NULL, o, out, err);
    }
    str_vec rels = {0};
    int rc = walk(path, "", &rels, 0, err);
    if (!rc && !rels.n)
        rc = tf_errf(err, TF_EFORMAT, "%s: no Parquet files in the directory (names starting with . or _ are skipped)",
                     path);
    for (size_t i = 0; i < rels.n; i++) {
        sp_pq_file f = {.path = tf_path_join(path, rels.v[i])};
        f.name = tf_xstrdup(f.path);
        hive_parts(&f, rels.v[i]);
        tf_vec_push(&files, f);
        free(rels.v[i]);
    }
    tf_vec_free(&rels);
    if (rc) {
        sp_pq_files_free(&files);
        return rc;
    }
    return sp_pq_source_new("parquet", &files, NULL, o, out, err);
}
