/* lake.c — opening the raw layer, its marker, recovery of runs that ended
 * mid-way, and catalog queries (see lake.h).  Writing lives in
 * lake_write.c (with the trip keys a run checks), helpers in lake_util.c. */
#include "tripflow/lake.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lake_int.h"
#include "tripflow/fsutil.h"
#include "tripflow/runs.h"
#include "tripflow/sqlutil.h"

const char *const tf_lake_col_names[TF_LAKE_NCOLS] = {"datasource",      "origin_lon", "origin_lat", "destination_lon",
                                                     "destination_lat", "datetime",   "trip_key"};

char *tf_lake_escape(const char *v, size_t n)
{
    /* the characters Hive's FileUtils.escapePathName escapes, and controls */
    static const char special[] = "\"#%'*/:=?\\{[]^";
    tf_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f || (c && strchr(special, c))) tf_buf_printf(&b, "%%%02X", c);
        else tf_buf_putc(&b, (char)c);
    }
    tf_buf_cstr(&b);
    return b.data;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *tf_lake_unescape(const char *t, size_t n, size_t *out_len)
{
    tf_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (t[i] == '%' && i + 2 < n && (hi = hexval(t[i + 1])) >= 0 &&
            (lo = hexval(t[i + 2])) >= 0) {
            tf_buf_putc(&b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            tf_buf_putc(&b, t[i]);
        }
    }
    tf_buf_cstr(&b);
    *out_len = b.len;
    return b.data ? b.data : tf_xstrdup("");
}

static int setting(sqlite3 *db, const char *key, char **out, tf_err *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    if (tf_sql_prepare(db, "SELECT value FROM settings WHERE key = ?", &st, err)) return err->code;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = tf_sql_step_row(st, err);
    if (r == 1) *out = tf_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

static int set_setting(sqlite3 *db, const char *key, const char *value, tf_err *err)
{
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", &st, err)) return err->code;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc;
}

/* The marker ties a lake to its database: both hold the same lake id. */
static int check_marker(tf_lake *l, tf_err *err)
{
    sqlite3 *db = tf_store_sqlite(l->store);
    char *marker = tf_path_join(l->root, "_tripflow/lake.json");
    char *want = NULL, *path = NULL;
    int rc = setting(db, "lake_id", &want, err);
    if (!rc) rc = setting(db, "lake_path", &path, err);
    if (rc) goto out;
    int64_t live = 0;
    if ((rc = tf_sql_int(db, "SELECT count(*) FROM lake_files", 0, &live, err))) goto out;
    if (path && strcmp(path, l->root) && live) {
        rc = tf_errf(err, TF_ESTATE, "this database's lake is %s (it catalogs %lld files there), not %s", path,
                     (long long)live, l->root);
        goto out;
    }
    json_error_t je;
    json_t *m = tf_exists(marker) ? json_load_file(marker, 0, &je) : NULL;
    const char *have = m ? json_string_value(json_object_get(m, "lake_id")) : NULL;
    if (tf_exists(marker) && !have) {
        rc = tf_errf(err, TF_EFORMAT, "%s: not a tripflow lake marker", marker);
    } else if (have && (!want || strcmp(have, want))) {
        const char *owner = json_string_value(json_object_get(m, "database"));
        rc = tf_errf(err, TF_ESTATE, "%s belongs to another database (%s); use --lake to choose another directory",
                     l->root, owner ? owner : "unknown");
    } else if (!have && live) {
        rc = tf_errf(err, TF_ESTATE, "%s: the lake's marker is missing but the database catalogs %lld files there",
                     l->root, (long long)live);
    } else if (!have) {
        /* a new lake */
        char id[33];
        tf_key_hex(tf_hash128(l->root, strlen(l->root)), id);
        char rnd[16];
        FILE *ur = fopen("/dev/urandom", "rb");
        if (ur && fread(rnd, 1, sizeof rnd, ur) == sizeof rnd) tf_key_hex(tf_hash128(rnd, sizeof rnd), id);
        if (ur) fclose(ur);
        json_t *nm = json_pack("{s:s, s:s, s:s}", "lake_id", want ? want : id, "database", tf_store_path(l->store),
                               "created_by", "tripflow");
        char *text = json_dumps(nm, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(nm);
        rc = tf_write_atomic(marker, text, strlen(text), err);
        free(text);
        if (!rc && !want) rc = set_setting(db, "lake_id", id, err);
    }
    if (!rc && (!path || strcmp(path, l->root))) rc = set_setting(db, "lake_path", l->root, err);
    json_decref(m);
out:
    free(marker);
    free(want);
    free(path);
    return rc;
}

/* Move what a committed run staged into place (those not moved yet). */
static int roll_forward(const char *from, const char *to, tf_err *err)
{
    DIR *d = opendir(from);
    if (!d) return errno == ENOENT ? TF_OK : tf_errno(err, TF_EIO, "%s", from);
    struct dirent *e;
    int rc = TF_OK;
    while (!rc && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *src = tf_path_join(from, e->d_name), *dst = tf_path_join(to, e->d_name);
        if (tf_is_dir(src)) {
            rc = roll_forward(src, dst, err);
        } else if (!tf_exists(dst)) {
            char *dir = tf_dirname(dst);
            rc = tf_mkdir_p(dir, err);
            free(dir);
            if (!rc && rename(src, dst) != 0) rc = tf_errno(err, TF_EIO, "%s: cannot move to %s", src, dst);
        }
        free(src);
        free(dst);
    }
    closedir(d);
    return rc;
}

static int recover(tf_lake *l, tf_err *err)
{
    char *staging = tf_path_join(l->root, "_tripflow/staging");
    DIR *d = opendir(staging);
    int rc = TF_OK;
    if (!d) goto out;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        long long id;
        char tail;
        if (sscanf(e->d_name, "run-%lld%c", &id, &tail) != 1) continue;
        char *dir = tf_path_join(staging, e->d_name);
        if (lake_owner_alive(dir)) { /* its process is still at work (maybe moving its files) */
            free(dir);
            continue;
        }
        char status[24];
        if ((rc = tf_runs_status(l->store, id, status, err))) {
            free(dir);
            break;
        }
        /* still running (tf_runs_reap has marked the dead ones abandoned):
         * its process may be between creating the directory and locking it */
        if (!strcmp(status, "running")) {
            free(dir);
            continue;
        }
        if (!strcmp(status, "loaded")) {
            char *from = tf_path_join(dir, "trips"), *to = tf_path_join(l->root, "trips");
            rc = roll_forward(from, to, err);
            free(from);
            free(to);
        }
        if (!rc) rc = tf_rm_rf(dir, err);
        free(dir);
    }
    closedir(d);
out:
    free(staging);
    return rc;
}

int tf_lake_open(tf_store *s, const char *dir, tf_lake **out, tf_err *err)
{
    *out = NULL;
    tf_lake *l = tf_xcalloc(1, sizeof *l);
    l->store = s;
    char *want = dir ? tf_xstrdup(dir) : NULL;
    if (!want) {
        /* "lake" beside the default database; "<name>.lake" beside any other,
         * so that several databases in one directory each get their own */
        const char *db = tf_store_path(s), *base = tf_basename(db);
        char *dbdir = tf_dirname(db);
        size_t n = strlen(base);
        if (n > 3 && !strcmp(base + n - 3, ".db")) n -= 3;
        if (!strcmp(base, "tripflow.db")) want = tf_path_join(dbdir, "lake");
        else {
            char *name = tf_xasprintf("%.*s.lake", (int)n, base);
            want = tf_path_join(dbdir, name);
            free(name);
        }
        free(dbdir);
    }
    int rc = tf_mkdir_p(want, err);
    if (!rc) {
        char *abs = realpath(want, NULL);
        if (!abs) rc = tf_errno(err, TF_EIO, "%s", want);
        l->root = abs;
    }
    free(want);
    if (rc) goto fail;
    char *meta = tf_path_join(l->root, "_tripflow");
    rc = tf_mkdir_p(meta, err);
    free(meta);
    /* two processes opening a new lake at once must agree on one marker:
     * the database's write lock serializes them */
    if (!rc && !(rc = tf_store_begin(s, err))) {
        rc = check_marker(l, err);
        if (rc) tf_store_rollback(s);
        else rc = tf_store_commit(s, err);
    }
    if (rc || (rc = tf_runs_reap(s, err)) || (rc = recover(l, err))) goto fail;
    *out = l;
    return TF_OK;
fail:
    tf_lake_close(l);
    return rc;
}

void tf_lake_close(tf_lake *l)
{
    if (!l) return;
    free(l->root);
    free(l);
}

const char *tf_lake_root(const tf_lake *l) { return l->root; }

int tf_lake_files(tf_lake *l, const tf_lake_filter *f, void (*fn)(void *, const tf_lake_file *), void *ud, tf_err *err)
{
    tf_buf q = {0};
    tf_buf_puts(&q, "SELECT f.file_id, f.path, r.name, f.month, f.run_id, f.rows, f.bytes, f.row_groups, f.first_us, "
                    "f.last_us, f.min_origin_lon, f.min_origin_lat, f.max_origin_lon, f.max_origin_lat, "
                    "f.min_destination_lon, f.min_destination_lat, f.max_destination_lon, f.max_destination_lat "
                    "FROM lake_files f JOIN regions r USING (region_id) "
                    "WHERE (?1 IS NULL OR r.name = ?1 COLLATE NOCASE) AND f.last_us >= ?2 AND f.first_us < ?3");
    static const char *const o = "(f.min_origin_lon <= ?6 AND f.max_origin_lon >= ?4 AND f.min_origin_lat <= ?7 AND "
                                 "f.max_origin_lat >= ?5)";
    static const char *const d = "(f.min_destination_lon <= ?6 AND f.max_destination_lon >= ?4 AND "
                                 "f.min_destination_lat <= ?7 AND f.max_destination_lat >= ?5)";
    if (f && f->box) {
        switch (f->match) {
        case TF_MATCH_ORIGIN: tf_buf_printf(&q, " AND %s", o); break;
        case TF_MATCH_DESTINATION: tf_buf_printf(&q, " AND %s", d); break;
        case TF_MATCH_BOTH: tf_buf_printf(&q, " AND %s AND %s", o, d); break;
        default: tf_buf_printf(&q, " AND (%s OR %s)", o, d); break;
        }
    }
    tf_buf_puts(&q, " ORDER BY f.path");
    sqlite3_stmt *st;
    int rc = tf_sql_prepare(tf_store_sqlite(l->store), tf_buf_cstr(&q), &st, err);
    /* run_id is column 4 */
    tf_buf_free(&q);
    if (rc) return rc;
    if (f && f->region) sqlite3_bind_text(st, 1, f->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, f ? f->from_us : INT64_MIN);
    sqlite3_bind_int64(st, 3, f ? f->to_us : INT64_MAX);
    if (f && f->box) {
        sqlite3_bind_double(st, 4, f->box->min_lon);
        sqlite3_bind_double(st, 5, f->box->min_lat);
        sqlite3_bind_double(st, 6, f->box->max_lon);
        sqlite3_bind_double(st, 7, f->box->max_lat);
    }
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        const char *rel = (const char *)sqlite3_column_text(st, 1);
        char *abs = lake_locate(l, rel, sqlite3_column_int64(st, 4));
        tf_lake_file lf = {
            .file_id = sqlite3_column_int64(st, 0),
            .path = abs,
            .rel = rel,
            .region = (const char *)sqlite3_column_text(st, 2),
            .month = (const char *)sqlite3_column_text(st, 3),
            .run_id = sqlite3_column_int64(st, 4),
            .rows = sqlite3_column_int64(st, 5),
            .bytes = sqlite3_column_int64(st, 6),
            .row_groups = sqlite3_column_int(st, 7),
            .first_us = sqlite3_column_int64(st, 8),
            .last_us = sqlite3_column_int64(st, 9),
            .origin = {sqlite3_column_double(st, 10), sqlite3_column_double(st, 11), sqlite3_column_double(st, 12),
                       sqlite3_column_double(st, 13)},
            .destination = {sqlite3_column_double(st, 14), sqlite3_column_double(st, 15),
                            sqlite3_column_double(st, 16), sqlite3_column_double(st, 17)},
        };
        fn(ud, &lf);
        free(abs);
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}
