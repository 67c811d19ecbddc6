/* iceberg_fixture.c — writes a small Iceberg table around existing Parquet
 * data files, for tests/e2e/test_staypoints_iceberg.sh (Debian has no Iceberg
 * writer).  The manifest list and manifests are Avro object container files
 * written with avro-c from the Iceberg spec's schemas (with their field-id
 * attributes); the table metadata is JSON written with jansson.
 *
 * usage: iceberg_fixture TABLE [options] (files are referenced by absolute path)
 *   --format-version N      format-version written (default 2)
 *   --location URI          the table location recorded (default file:<TABLE's absolute path>)
 *   --names a,b,c,d,e,f,g   names of the schema's fields 1..7 (default user_id, trip_start_time,
 *                           trip_end_time, start_lat, start_lng, end_lat, end_lng)
 *   --data PATH:ROWS        a live data file (status 1, ADDED)
 *   --existing PATH:ROWS    a live data file (status 0, EXISTING) in a second manifest
 *   --deleted PATH:ROWS     an entry with status 2 (DELETED): not part of the snapshot
 *   --position-deletes PATH a delete manifest (content 1) listing this delete file
 *   --empty                 no snapshot (current-snapshot-id -1)
 *   --no-hint               no version-hint.text (readers take the highest vN.metadata.json)
 * Built by the test: cc -o iceberg_fixture iceberg_fixture.c -lavro -ljansson */
#include <avro.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *manifest_list_schema =
    "{\"type\": \"record\", \"name\": \"manifest_file\", \"fields\": ["
    "{\"name\": \"manifest_path\", \"type\": \"string\", \"field-id\": 500},"
    "{\"name\": \"manifest_length\", \"type\": \"long\", \"field-id\": 501},"
    "{\"name\": \"partition_spec_id\", \"type\": \"int\", \"field-id\": 502},"
    "{\"name\": \"content\", \"type\": \"int\", \"field-id\": 517},"
    "{\"name\": \"sequence_number\", \"type\": \"long\", \"field-id\": 515},"
    "{\"name\": \"min_sequence_number\", \"type\": \"long\", \"field-id\": 516},"
    "{\"name\": \"added_snapshot_id\", \"type\": \"long\", \"field-id\": 503},"
    "{\"name\": \"added_files_count\", \"type\": \"int\", \"field-id\": 504},"
    "{\"name\": \"existing_files_count\", \"type\": \"int\", \"field-id\": 505},"
    "{\"name\": \"deleted_files_count\", \"type\": \"int\", \"field-id\": 506},"
    "{\"name\": \"added_rows_count\", \"type\": \"long\", \"field-id\": 512},"
    "{\"name\": \"existing_rows_count\", \"type\": \"long\", \"field-id\": 513},"
    "{\"name\": \"deleted_rows_count\", \"type\": \"long\", \"field-id\": 514}]}";

static const char *manifest_schema =
    "{\"type\": \"record\", \"name\": \"manifest_entry\", \"fields\": ["
    "{\"name\": \"status\", \"type\": \"int\", \"field-id\": 0},"
    "{\"name\": \"snapshot_id\", \"type\": [\"null\", \"long\"], \"default\": null, \"field-id\": 1},"
    "{\"name\": \"sequence_number\", \"type\": [\"null\", \"long\"], \"default\": null, \"field-id\": 3},"
    "{\"name\": \"file_sequence_number\", \"type\": [\"null\", \"long\"], \"default\": null, \"field-id\": 4},"
    "{\"name\": \"data_file\", \"field-id\": 2, \"type\": {\"type\": \"record\", \"name\": \"r2\", \"fields\": ["
    "{\"name\": \"content\", \"type\": \"int\", \"field-id\": 134},"
    "{\"name\": \"file_path\", \"type\": \"string\", \"field-id\": 100},"
    "{\"name\": \"file_format\", \"type\": \"string\", \"field-id\": 101},"
    "{\"name\": \"partition\", \"field-id\": 102, \"type\": {\"type\": \"record\", \"name\": \"r102\", \"fields\": []}},"
    "{\"name\": \"record_count\", \"type\": \"long\", \"field-id\": 103},"
    "{\"name\": \"file_size_in_bytes\", \"type\": \"long\", \"field-id\": 104}]}}]}";

#define SNAPSHOT_ID 4242
#define MAXF 64

typedef struct entry {
    const char *path;
    long long rows;
    int status;  /* 0 existing, 1 added, 2 deleted */
    int content; /* 0 data, 1 position deletes */
} entry;

static void die(const char *what)
{
    fprintf(stderr, "iceberg_fixture: %s: %s\n", what, avro_strerror());
    exit(1);
}

static void set_int(avro_value_t *rec, const char *name, int v)
{
    avro_value_t f;
    if (avro_value_get_by_name(rec, name, &f, NULL) || avro_value_set_int(&f, v)) die(name);
}

static void set_long(avro_value_t *rec, const char *name, long long v)
{
    avro_value_t f;
    if (avro_value_get_by_name(rec, name, &f, NULL) || avro_value_set_long(&f, v)) die(name);
}

static void set_str(avro_value_t *rec, const char *name, const char *v)
{
    avro_value_t f;
    if (avro_value_get_by_name(rec, name, &f, NULL) || avro_value_set_string(&f, v)) die(name);
}

static void set_opt_long(avro_value_t *rec, const char *name, long long v)
{
    avro_value_t f, b;
    if (avro_value_get_by_name(rec, name, &f, NULL) || avro_value_set_branch(&f, 1, &b) || avro_value_set_long(&b, v))
        die(name);
}

static long long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : 0;
}

/* a manifest with the given entries */
static void write_manifest(const char *path, const entry *e, int n)
{
    avro_schema_t s;
    if (avro_schema_from_json_length(manifest_schema, strlen(manifest_schema), &s)) die("manifest schema");
    avro_file_writer_t w;
    remove(path);
    if (avro_file_writer_create(path, s, &w)) die(path);
    avro_value_iface_t *cls = avro_generic_class_from_schema(s);
    avro_value_t rec, df;
    avro_generic_value_new(cls, &rec);
    for (int i = 0; i < n; i++) {
        avro_value_reset(&rec);
        set_int(&rec, "status", e[i].status);
        set_opt_long(&rec, "snapshot_id", SNAPSHOT_ID);
        set_opt_long(&rec, "sequence_number", 1);
        set_opt_long(&rec, "file_sequence_number", 1);
        if (avro_value_get_by_name(&rec, "data_file", &df, NULL)) die("data_file");
        set_int(&df, "content", e[i].content);
        set_str(&df, "file_path", e[i].path);
        set_str(&df, "file_format", "PARQUET");
        set_long(&df, "record_count", e[i].rows);
        set_long(&df, "file_size_in_bytes", file_size(e[i].path));
        if (avro_file_writer_append_value(w, &rec)) die("append");
    }
    avro_value_decref(&rec);
    avro_value_iface_decref(cls);
    avro_file_writer_close(w);
    avro_schema_decref(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: iceberg_fixture TABLE [options]\n");
        return 2;
    }
    char table[PATH_MAX];
    mkdir(argv[1], 0777);
    if (!realpath(argv[1], table)) {
        perror(argv[1]);
        return 1;
    }
    int version = 2, empty = 0, hint = 1;
    char location[PATH_MAX + 8];
    snprintf(location, sizeof location, "file:%s", table);
    const char *names[7] = {"user_id", "trip_start_time", "trip_end_time", "start_lat", "start_lng", "end_lat", "end_lng"};
    char *names_buf = NULL;
    entry added[MAXF], existing[MAXF], deletes[MAXF];
    int nadded = 0, nexisting = 0, ndeletes = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--empty")) {
            empty = 1;
            continue;
        }
        if (!strcmp(a, "--no-hint")) {
            hint = 0;
            continue;
        }
        if (!v || nadded >= MAXF || nexisting >= MAXF || ndeletes >= MAXF) {
            fprintf(stderr, "iceberg_fixture: bad option %s\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--format-version")) {
            version = atoi(v);
        } else if (!strcmp(a, "--location")) {
            snprintf(location, sizeof location, "%s", v);
        } else if (!strcmp(a, "--names")) {
            names_buf = strdup(v);
            char *save = NULL;
            for (int k = 0; k < 7; k++) names[k] = strtok_r(k ? NULL : names_buf, ",", &save);
        } else if (!strcmp(a, "--position-deletes")) {
            deletes[ndeletes++] = (entry){v, 1, 1, 1};
        } else {
            char *p = strdup(v), *colon = strrchr(p, ':');
            if (!colon) {
                fprintf(stderr, "iceberg_fixture: %s wants PATH:ROWS\n", a);
                return 2;
            }
            *colon = 0;
            entry e = {p, atoll(colon + 1), 1, 0};
            if (!strcmp(a, "--data")) added[nadded++] = e;
            else if (!strcmp(a, "--deleted")) e.status = 2, added[nadded++] = e;
            else if (!strcmp(a, "--existing")) e.status = 0, existing[nexisting++] = e;
            else {
                fprintf(stderr, "iceberg_fixture: unknown option %s\n", a);
                return 2;
            }
        }
    }
    char mdir[PATH_MAX + 16], path[PATH_MAX + 64];
    snprintf(mdir, sizeof mdir, "%s/metadata", table);
    mkdir(mdir, 0777);

    /* manifests, then the manifest list that names them */
    struct {
        char path[PATH_MAX + 64];
        int content;
    } ml[3];
    int nml = 0;
    const entry *groups[3] = {added, existing, deletes};
    int counts[3] = {nadded, nexisting, ndeletes};
    for (int g = 0; g < 3 && !empty; g++) {
        if (!counts[g]) continue;
        snprintf(ml[nml].path, sizeof ml[nml].path, "%s/manifest-%d.avro", mdir, g);
        ml[nml].content = g == 2;
        write_manifest(ml[nml].path, groups[g], counts[g]);
        nml++;
    }
    snprintf(path, sizeof path, "%s/snap-%d.avro", mdir, SNAPSHOT_ID);
    if (!empty) {
        avro_schema_t s;
        if (avro_schema_from_json_length(manifest_list_schema, strlen(manifest_list_schema), &s)) die("list schema");
        avro_file_writer_t w;
        remove(path);
        if (avro_file_writer_create(path, s, &w)) die(path);
        avro_value_iface_t *cls = avro_generic_class_from_schema(s);
        avro_value_t rec;
        avro_generic_value_new(cls, &rec);
        for (int i = 0; i < nml; i++) {
            avro_value_reset(&rec);
            set_str(&rec, "manifest_path", ml[i].path);
            set_long(&rec, "manifest_length", file_size(ml[i].path));
            set_int(&rec, "partition_spec_id", 0);
            set_int(&rec, "content", ml[i].content);
            set_long(&rec, "sequence_number", 1);
            set_long(&rec, "min_sequence_number", 1);
            set_long(&rec, "added_snapshot_id", SNAPSHOT_ID);
            set_int(&rec, "added_files_count", 0);
            set_int(&rec, "existing_files_count", 0);
            set_int(&rec, "deleted_files_count", 0);
            set_long(&rec, "added_rows_count", 0);
            set_long(&rec, "existing_rows_count", 0);
            set_long(&rec, "deleted_rows_count", 0);
            if (avro_file_writer_append_value(w, &rec)) die("append");
        }
        avro_value_decref(&rec);
        avro_value_iface_decref(cls);
        avro_file_writer_close(w);
        avro_schema_decref(s);
    }

    /* table metadata: v1 (no snapshot yet), then v2 with the snapshot */
    static const char *types[7] = {"string", "timestamptz", "timestamptz", "double", "double", "double", "double"};
    json_t *fields = json_array();
    for (int k = 0; k < 7; k++)
        json_array_append_new(fields, json_pack("{s:i, s:s, s:b, s:s}", "id", k + 1, "name", names[k] ? names[k] : "?",
                                                "required", 0, "type", types[k]));
    json_t *schema = json_pack("{s:s, s:i, s:o}", "type", "struct", "schema-id", 0, "fields", fields);
    for (int v = 1; v <= 2; v++) {
        json_t *md = json_pack("{s:i, s:s, s:s, s:i, s:i, s:[O], s:[{s:i, s:[]}], s:i}", "format-version", version,
                               "table-uuid", "9c12d441-03fe-4693-9a96-a0705ddf69c1", "location", location,
                               "last-column-id", 7, "current-schema-id", 0, "schemas", schema, "partition-specs",
                               "spec-id", 0, "fields", "default-spec-id", 0);
        if (version == 1) json_object_set(md, "schema", schema);
        json_t *snaps = json_array();
        if (v == 2 && !empty) {
            char uri[PATH_MAX + 80];
            snprintf(uri, sizeof uri, "file:%s", path);
            json_array_append_new(snaps, json_pack("{s:I, s:I, s:I, s:s, s:{s:s}, s:i}", "snapshot-id",
                                                   (json_int_t)SNAPSHOT_ID, "sequence-number", (json_int_t)1,
                                                   "timestamp-ms", (json_int_t)1735689600000, "manifest-list", uri,
                                                   "summary", "operation", "append", "schema-id", 0));
            json_object_set_new(md, "current-snapshot-id", json_integer(SNAPSHOT_ID));
        } else {
            json_object_set_new(md, "current-snapshot-id", json_integer(-1));
        }
        json_object_set_new(md, "snapshots", snaps);
        char mp[PATH_MAX + 64];
        snprintf(mp, sizeof mp, "%s/v%d.metadata.json", mdir, v);
        if (json_dump_file(md, mp, JSON_INDENT(2))) {
            fprintf(stderr, "iceberg_fixture: cannot write %s\n", mp);
            return 1;
        }
        json_decref(md);
    }
    json_decref(schema);
    if (hint) {
        snprintf(path, sizeof path, "%s/version-hint.text", mdir);
        FILE *f = fopen(path, "w");
        if (!f || fputs("2\n", f) < 0 || fclose(f)) {
            perror(path);
            return 1;
        }
    }
    free(names_buf);
    return 0;
}
