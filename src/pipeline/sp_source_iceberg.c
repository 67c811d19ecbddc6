/* sp_source_iceberg.c — trips from an Iceberg table directory: the current
 * snapshot's data files, read by the Parquet trip source with columns
 * matched by field id.
 *
 *   TABLE/metadata/version-hint.text -> vN.metadata.json (else the highest
 *   vN.metadata.json, or NNNNN-<uuid>.metadata.json) -> current-snapshot-id
 *   -> the snapshot's manifest list (Avro) -> manifests (Avro) -> data files
 *
 * Format versions 1 and 2 are read; others are refused.  Entries with status
 * 2 (DELETED) are skipped.  Delete files (a manifest of content 1, or a file
 * of content other than 0) are refused with an error naming them: applying
 * them is not implemented, and ignoring them would resurrect deleted rows.
 * Paths in the metadata are absolute (often file:/... or another machine's
 * location); a path under the table's recorded location that does not exist
 * is looked for at the same place under TABLE, so a copied table reads. */
#include <avro.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sp_pq_int.h"
#include "tripflow/fsutil.h"

typedef struct ice {
    const char *table;
    char *metadata_file; /* for messages */
    char *location;      /* the table's recorded location, without file: */
    sp_pq_files files;
    TF_VEC(char *) deletes; /* delete files found (named in the error) */
} ice;

/* "file:///x", "file:/x" -> "/x"; other text unchanged */
static const char *strip_file_scheme(const char *p)
{
    if (!strncmp(p, "file://", 7)) return p + 7;
    if (!strncmp(p, "file:", 5)) return p + 5;
    return p;
}

/* where a path of the metadata is on this machine */
static char *local_path(const ice *t, const char *uri)
{
    const char *p = strip_file_scheme(uri);
    if (p[0] != '/' && !strstr(uri, "://")) return tf_path_join(t->table, p); /* relative: to the table */
    if (tf_exists(p)) return tf_xstrdup(p);
    if (t->location) {
        size_t n = strlen(t->location);
        while (n > 1 && t->location[n - 1] == '/') n--;
        const char *q = strip_file_scheme(uri);
        const char *loc = t->location;
        if (!strncmp(q, loc, n) && (q[n] == '/' || !q[n])) return tf_path_join(t->table, q[n] ? q + n + 1 : "");
    }
    return tf_xstrdup(p);
}

/* ---- which metadata file ---- */

/* the version number of "vN.metadata.json" or "NNNNN-uuid.metadata.json", or -1 */
static long metadata_version(const char *name)
{
    size_t n = strlen(name);
    const char *suf = ".metadata.json";
    size_t sl = strlen(suf);
    if (n <= sl || strcmp(name + n - sl, suf)) return -1;
    const char *p = name[0] == 'v' ? name + 1 : name;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 0) return -1;
    if (name[0] == 'v' ? end != name + n - sl : *end != '-') return -1;
    return v;
}

static int find_metadata(ice *t, tf_err *err)
{
    char *mdir = tf_path_join(t->table, "metadata");
    int rc = TF_OK;
    if (!tf_is_dir(mdir)) {
        rc = tf_errf(err, TF_EFORMAT, "%s: not an Iceberg table: no metadata directory (%s)", t->table, mdir);
        goto out;
    }
    char *hint = tf_path_join(mdir, "version-hint.text");
    if (tf_exists(hint)) {
        tf_buf b = {0};
        rc = tf_read_all(hint, &b, err);
        if (!rc) {
            const char *s = tf_buf_cstr(&b);
            char *end;
            long v = strtol(s, &end, 10);
            while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t') end++;
            if (end == s || *end || v < 0) {
                rc = tf_errf(err, TF_EFORMAT, "%s: expected a version number, got '%.40s'", hint, s);
            } else {
                char *name = tf_xasprintf("v%ld.metadata.json", v);
                t->metadata_file = tf_path_join(mdir, name);
                free(name);
                if (!tf_exists(t->metadata_file))
                    rc = tf_errf(err, TF_ENOTFOUND, "%s: names version %ld, but %s does not exist", hint, v,
                                 t->metadata_file);
            }
        }
        tf_buf_free(&b);
        free(hint);
        goto out;
    }
    free(hint);
    DIR *d = opendir(mdir);
    long best = -1;
    char *best_name = NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        long v = metadata_version(e->d_name);
        if (v > best) {
            best = v;
            free(best_name);
            best_name = tf_xstrdup(e->d_name);
        }
    }
    if (d) closedir(d);
    if (!best_name) {
        rc = tf_errf(err, TF_EFORMAT, "%s: no version-hint.text and no vN.metadata.json: not an Iceberg table", mdir);
        goto out;
    }
    t->metadata_file = tf_path_join(mdir, best_name);
    free(best_name);
out:
    free(mdir);
    return rc;
}

/* ---- Avro ---- */

/* field name of record v, unwrapped from a union; 0 when absent or null */
static int avro_field(avro_value_t *v, const char *name, avro_value_t *out)
{
    avro_value_t f;
    if (avro_value_get_by_name(v, name, &f, NULL) != 0) return 0;
    while (avro_value_get_type(&f) == AVRO_UNION) {
        avro_value_t b;
        if (avro_value_get_current_branch(&f, &b) != 0) return 0;
        f = b;
    }
    if (avro_value_get_type(&f) == AVRO_NULL) return 0;
    *out = f;
    return 1;
}

static int avro_int_field(avro_value_t *v, const char *name, int64_t dflt)
{
    avro_value_t f;
    if (!avro_field(v, name, &f)) return (int)dflt;
    int32_t i;
    int64_t l;
    if (avro_value_get_type(&f) == AVRO_INT32 && avro_value_get_int(&f, &i) == 0) return i;
    if (avro_value_get_type(&f) == AVRO_INT64 && avro_value_get_long(&f, &l) == 0) return (int)l;
    return (int)dflt;
}

static const char *avro_str_field(avro_value_t *v, const char *name)
{
    avro_value_t f;
    const char *s;
    size_t n;
    if (!avro_field(v, name, &f) || avro_value_get_type(&f) != AVRO_STRING) return NULL;
    return avro_value_get_string(&f, &s, &n) == 0 ? s : NULL;
}

typedef int (*avro_row_fn)(ice *t, const char *file, avro_value_t *rec, tf_err *err);

/* every record of an Avro object container file, to fn */
static int avro_each(ice *t, const char *path, avro_row_fn fn, tf_err *err)
{
    /* check the magic first: avro-c leaks a little on files without it */
    FILE *fp = fopen(path, "rb");
    if (!fp) return tf_errno(err, TF_ENOTFOUND, "%s: cannot open", path);
    char magic[4] = {0};
    size_t got = fread(magic, 1, 4, fp);
    fclose(fp);
    if (got != 4 || memcmp(magic, "Obj\x01", 4))
        return tf_errf(err, TF_EFORMAT, "%s: not an Avro object container file (no Obj1 magic)", path);
    avro_file_reader_t r;
    if (avro_file_reader(path, &r) != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", avro_strerror());
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
        return tf_errf(err, tf_exists(path) ? TF_EFORMAT : TF_ENOTFOUND, "%s: cannot read as Avro: %s", path,
                       tf_exists(path) ? msg : "no such file");
    }
    avro_schema_t ws = avro_file_reader_get_writer_schema(r);
    avro_value_iface_t *cls = avro_generic_class_from_schema(ws);
    avro_value_t rec;
    avro_generic_value_new(cls, &rec);
    int rc = TF_OK, rr;
    while (rc == TF_OK && (rr = avro_file_reader_read_value(r, &rec)) == 0) rc = fn(t, path, &rec, err);
    if (rc == TF_OK && rr != EOF) rc = tf_errf(err, TF_EFORMAT, "%s: corrupt Avro data: %s", path, avro_strerror());
    avro_value_decref(&rec);
    avro_value_iface_decref(cls);
    avro_schema_decref(ws);
    avro_file_reader_close(r);
    return rc;
}

/* a manifest entry (manifest_entry: status, data_file) */
static int manifest_row(ice *t, const char *file, avro_value_t *rec, tf_err *err)
{
    int status = avro_int_field(rec, "status", 1);
    if (status == 2) return TF_OK; /* DELETED */
    avro_value_t df;
    if (!avro_field(rec, "data_file", &df)) return tf_errf(err, TF_EFORMAT, "%s: a manifest entry without data_file", file);
    const char *path = avro_str_field(&df, "file_path");
    if (!path) return tf_errf(err, TF_EFORMAT, "%s: a data_file without file_path", file);
    int content = avro_int_field(&df, "content", 0);
    if (content != 0) {
        tf_vec_push(&t->deletes, tf_xasprintf("%s (%s deletes)", path, content == 1 ? "position" : "equality"));
        return TF_OK;
    }
    const char *fmt = avro_str_field(&df, "file_format");
    if (fmt && strcasecmp(fmt, "PARQUET"))
        return tf_errf(err, TF_EUNSUPPORTED, "%s: data file %s is %s; only Parquet data files are read", file, path, fmt);
    sp_pq_file f = {.path = local_path(t, path)};
    f.name = tf_xstrdup(f.path);
    tf_vec_push(&t->files, f);
    return TF_OK;
}

/* a manifest list entry (manifest_file: manifest_path, content) */
static int manifest_list_row(ice *t, const char *file, avro_value_t *rec, tf_err *err)
{
    const char *path = avro_str_field(rec, "manifest_path");
    if (!path) return tf_errf(err, TF_EFORMAT, "%s: a manifest list entry without manifest_path", file);
    int content = avro_int_field(rec, "content", 0);
    char *local = local_path(t, path);
    int rc = TF_OK;
    if (content != 0) {
        /* name the delete files it lists */
        size_t before = t->deletes.n;
        ice sub = {.table = t->table, .location = t->location};
        rc = avro_each(&sub, local, manifest_row, err);
        for (size_t i = 0; i < sub.deletes.n; i++) tf_vec_push(&t->deletes, sub.deletes.v[i]);
        tf_vec_free(&sub.deletes);
        sp_pq_files_free(&sub.files);
        if (rc || t->deletes.n == before) tf_vec_push(&t->deletes, tf_xasprintf("%s (a delete manifest)", path));
        rc = TF_OK;
    } else {
        rc = avro_each(t, local, manifest_row, err);
    }
    free(local);
    return rc;
}

/* ---- metadata JSON ---- */

static json_t *current_schema(json_t *md)
{
    json_t *schemas = json_object_get(md, "schemas");
    json_t *cur = json_object_get(md, "current-schema-id");
    if (json_is_array(schemas) && json_is_integer(cur)) {
        size_t i;
        json_t *s;
        json_array_foreach(schemas, i, s)
        {
            json_t *id = json_object_get(s, "schema-id");
            if (json_is_integer(id) && json_integer_value(id) == json_integer_value(cur)) return s;
        }
    }
    return json_object_get(md, "schema"); /* format version 1 */
}

static int field_ids(ice *t, json_t *md, int ids[SP_NCOLS], tf_err *err)
{
    json_t *schema = current_schema(md);
    json_t *fields = schema ? json_object_get(schema, "fields") : NULL;
    if (!json_is_array(fields)) return tf_errf(err, TF_EFORMAT, "%s: no current schema", t->metadata_file);
    for (int c = 0; c < SP_NCOLS; c++) {
        int exact = -1, loose = -1;
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f)
        {
            const char *name = json_string_value(json_object_get(f, "name"));
            json_t *id = json_object_get(f, "id");
            if (!name || !json_is_integer(id)) continue;
            if (!strcmp(name, sp_col_names[c])) exact = (int)json_integer_value(id);
            else if (!strcasecmp(name, sp_col_names[c])) loose = (int)json_integer_value(id);
        }
        ids[c] = exact >= 0 ? exact : loose;
        if (ids[c] < 0) {
            tf_buf names = {0};
            json_array_foreach(fields, i, f)
            {
                const char *name = json_string_value(json_object_get(f, "name"));
                tf_buf_printf(&names, "%s%s", i ? ", " : "", name ? name : "?");
            }
            tf_errf(err, TF_EFORMAT, "%s: the table has no column %s (its columns: %s)", t->metadata_file,
                    sp_col_names[c], tf_buf_cstr(&names));
            tf_buf_free(&names);
            return err->code;
        }
    }
    return TF_OK;
}

static int read_table(ice *t, int ids[SP_NCOLS], tf_err *err)
{
    int rc = find_metadata(t, err);
    if (rc) return rc;
    json_error_t je;
    json_t *md = json_load_file(t->metadata_file, 0, &je);
    if (!md) return tf_errf(err, TF_EFORMAT, "%s:%d: %s", t->metadata_file, je.line, je.text);
    json_t *fv = json_object_get(md, "format-version");
    if (!json_is_integer(fv)) {
        rc = tf_errf(err, TF_EFORMAT, "%s: no format-version", t->metadata_file);
        goto out;
    }
    if (json_integer_value(fv) != 1 && json_integer_value(fv) != 2) {
        rc = tf_errf(err, TF_EUNSUPPORTED, "%s: Iceberg format-version %lld is not supported (1 and 2 are)",
                     t->metadata_file, (long long)json_integer_value(fv));
        goto out;
    }
    const char *loc = json_string_value(json_object_get(md, "location"));
    if (loc) t->location = tf_xstrdup(strip_file_scheme(loc));
    if ((rc = field_ids(t, md, ids, err))) goto out;
    json_t *cur = json_object_get(md, "current-snapshot-id");
    if (!json_is_integer(cur) || json_integer_value(cur) == -1) goto out; /* an empty table */
    json_t *snap = NULL, *s;
    size_t i;
    json_array_foreach(json_object_get(md, "snapshots"), i, s)
    {
        json_t *id = json_object_get(s, "snapshot-id");
        if (json_is_integer(id) && json_integer_value(id) == json_integer_value(cur)) snap = s;
    }
    if (!snap) {
        rc = tf_errf(err, TF_EFORMAT, "%s: current snapshot %lld is not in snapshots", t->metadata_file,
                     (long long)json_integer_value(cur));
        goto out;
    }
    const char *ml = json_string_value(json_object_get(snap, "manifest-list"));
    json_t *manifests = json_object_get(snap, "manifests"); /* format version 1 may list them here */
    if (ml) {
        char *p = local_path(t, ml);
        rc = avro_each(t, p, manifest_list_row, err);
        free(p);
    } else if (json_is_array(manifests)) {
        json_t *m;
        json_array_foreach(manifests, i, m)
        {
            if (rc || !json_is_string(m)) continue;
            char *p = local_path(t, json_string_value(m));
            rc = avro_each(t, p, manifest_row, err);
            free(p);
        }
    } else {
        rc = tf_errf(err, TF_EFORMAT, "%s: snapshot %lld has no manifest-list", t->metadata_file,
                     (long long)json_integer_value(cur));
    }
    if (!rc && t->deletes.n) {
        tf_buf names = {0};
        for (size_t k = 0; k < t->deletes.n && k < 5; k++) tf_buf_printf(&names, "%s%s", k ? ", " : "", t->deletes.v[k]);
        if (t->deletes.n > 5) tf_buf_printf(&names, " and %zu more", t->deletes.n - 5);
        rc = tf_errf(err, TF_EUNSUPPORTED,
                     "%s: the current snapshot has delete files, which tripflow does not apply (rows would come back "
                     "from the dead): %s",
                     t->table, tf_buf_cstr(&names));
        tf_buf_free(&names);
    }
out:
    json_decref(md);
    return rc;
}

int tf_trip_source_iceberg(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err)
{
    *out = NULL;
    ice t = {.table = path};
    int ids[SP_NCOLS];
    int rc = read_table(&t, ids, err);
    if (!rc) rc = sp_pq_source_new("iceberg", &t.files, ids, o, out, err);
    sp_pq_files_free(&t.files);
    for (size_t i = 0; i < t.deletes.n; i++) free(t.deletes.v[i]);
    tf_vec_free(&t.deletes);
    free(t.metadata_file);
    free(t.location);
    return rc;
}
