# test_parquet.sh — `tripflow parquet schema` and `parquet cat` on real files:
# conformance files, files DuckDB writes with every codec (lists, structs,
# maps), the GA4 events export rendered as JSON and compared with DuckDB's
# JSON of the same file, and the errors for bad input.
source "$ROOT/tests/e2e/lib.sh"
need_shared parquet-testing/list_columns.parquet
PT=$SHARED/parquet-testing
JSONCMP="node $ROOT/tests/e2e/pq_jsoncmp.mjs"

# ---- schema ----
expect_status 0 "$TF" parquet schema "$PT/datapage_v2.snappy.parquet"
expect_contains "$OUT" "rows: 5
row groups: 1"
expect_contains "$OUT" "schema (5 columns):
  a: optional BYTE_ARRAY STRING
  b: required INT32
  c: required DOUBLE
  d: required BOOLEAN
  e: optional group LIST
    list: repeated group
      element: required INT32
row group 0: 5 rows, 317 bytes compressed, 311 bytes uncompressed"
expect_contains "$OUT" "  column b: INT32 SNAPPY, encodings DELTA_BINARY_PACKED, 5 values, 49 bytes compressed, 47 uncompressed
    pages: 0 dictionary, 0 data v1, 1 data v2
    statistics: null_count 0, min 1, max 5"
expect_contains "$OUT" "  column e.list.element: INT32 SNAPPY, encodings PLAIN,RLE_DICTIONARY, 10 values, 78 bytes compressed, 74 uncompressed
    pages: 1 dictionary, 0 data v1, 1 data v2
    statistics: null_count 2, min 1, max 3"
expect_status 0 "$TF" parquet schema "$PT/alltypes_plain.parquet"
expect_contains "$OUT" "  timestamp_col: optional INT96 TIMESTAMP(INT96)"
expect_contains "$OUT" "  column timestamp_col: INT96 UNCOMPRESSED, encodings RLE,PLAIN_DICTIONARY,PLAIN, 8 values"

# ---- cat: CSV (nested values as JSON) and JSON lines ----
expect_status 0 "$TF" parquet cat "$PT/list_columns.parquet"
expect_eq "$OUT" 'int64_list,utf8_list
"[1,2,3]","[""abc"",""efg"",""hij""]"
"[null,1]",
[4],"[""efg"",null,""hij"",""xyz""]"'
expect_status 0 "$TF" parquet cat "$PT/alltypes_plain.parquet" --columns timestamp_col,id,double_col --limit 3
expect_eq "$OUT" 'timestamp_col,id,double_col
2009-03-01 00:00:00,4,0.0
2009-03-01 00:01:00,5,10.1
2009-04-01 00:00:00,6,0.0'
expect_status 0 "$TF" parquet cat "$PT/nested_lists.snappy.parquet" --format jsonl --limit 1
expect_eq "$OUT" '{"a":[[["a","b"],["c"]],[null,["d"]]],"b":1}'
expect_status 0 "$TF" parquet cat "$PT/datapage_v2.snappy.parquet" --format jsonl --columns e,a
expect_eq "$OUT" '{"e":[1,2,3],"a":"abc"}
{"e":null,"a":"abc"}
{"e":null,"a":"abc"}
{"e":[1,2,3],"a":null}
{"e":[1,2],"a":"abc"}'

# every conformance file equals DuckDB's reading of it
for f in "$PT"/*.parquet; do
    b=$(basename "$f" .parquet)
    expect_status 0 $DUCK "COPY (SELECT * FROM read_parquet('$f')) TO '$T/duck-$b.jsonl' (FORMAT JSON)"
    expect_status 0 "$TF" parquet cat "$f" --format jsonl
    printf '%s\n' "$OUT" >"$T/tf-$b.jsonl"
    expect_status 0 $JSONCMP --float32 "$T/duck-$b.jsonl" "$T/tf-$b.jsonl"
done

# ---- files DuckDB writes, with each codec: lists, structs, lists of structs, maps ----
for codec in zstd snappy gzip lz4 uncompressed; do
    expect_status 0 $DUCK "COPY (SELECT i::INT AS i, i * 1000000007 AS b, i / 7 AS d,
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'str' || (i % 13) END AS s, i % 2 = 0 AS bo,
        DATE '2020-01-01' + i::INT AS dt, TIMESTAMP '2024-03-01 10:00:00' + INTERVAL (i * 1001) MILLISECOND AS ts,
        CASE WHEN i % 4 = 0 THEN NULL ELSE range(i % 5) END AS li, {'x': i, 'y': 'y' || i} AS st,
        [{'a': i, 'b': CASE WHEN i % 3 = 0 THEN NULL ELSE i * 0.5 END}] AS ls, MAP {'k' || i: i} AS m
        FROM range(3000) t(i)) TO '$T/duck-$codec.parquet' (FORMAT PARQUET, COMPRESSION $codec)"
    expect_status 0 $DUCK "COPY (SELECT * FROM read_parquet('$T/duck-$codec.parquet')) TO '$T/duck-$codec.jsonl' (FORMAT JSON)"
    expect_status 0 "$TF" parquet cat "$T/duck-$codec.parquet" --format jsonl
    printf '%s\n' "$OUT" >"$T/tf-$codec.jsonl"
    expect_status 0 $JSONCMP "$T/duck-$codec.jsonl" "$T/tf-$codec.jsonl"
    expect_eq "$OUT" "3000 rows equal" "$codec rows"
done
# DuckDB's PARQUET_VERSION V2: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT
expect_status 0 $DUCK "COPY (SELECT i::INT AS i, i * 1000000007 AS b, i / 7 AS d, (i / 3)::FLOAT AS f,
    CASE WHEN i % 5 = 0 THEN NULL ELSE 'str' || (i % 1300) END AS s, [i, i + 1] AS li FROM range(5000) t(i))
    TO '$T/v2.parquet' (FORMAT PARQUET, PARQUET_VERSION V2, COMPRESSION zstd)"
expect_status 0 "$TF" parquet schema "$T/v2.parquet"
expect_contains "$OUT" "column d: DOUBLE ZSTD, encodings BYTE_STREAM_SPLIT"
expect_contains "$OUT" "column s: BYTE_ARRAY ZSTD, encodings DELTA_LENGTH_BYTE_ARRAY"
expect_contains "$OUT" "column i: INT32 ZSTD, encodings DELTA_BINARY_PACKED"
expect_status 0 $DUCK "COPY (SELECT * FROM read_parquet('$T/v2.parquet')) TO '$T/v2-duck.jsonl' (FORMAT JSON)"
expect_status 0 "$TF" parquet cat "$T/v2.parquet" --format jsonl
printf '%s\n' "$OUT" >"$T/v2-tf.jsonl"
expect_status 0 $JSONCMP --float32 "$T/v2-duck.jsonl" "$T/v2-tf.jsonl"
expect_eq "$OUT" "5000 rows equal" "PARQUET_VERSION V2 rows"

# more types: decimals (INT64 and FIXED), unsigned ints, TIME, UUID, BLOB, ENUM, milli- and
# nanosecond timestamps, FLOAT, structs holding lists, lists of lists
expect_status 0 $DUCK "COPY (SELECT (i / 4)::DECIMAL(10, 2) AS dec, (i * 12345.678)::DECIMAL(18, 3) AS dec18,
    (i * 1e20)::DECIMAL(38, 4) AS dec38, (i % 200)::UTINYINT AS ut, (i * 1000000)::UBIGINT AS ub,
    TIME '10:00:00' + INTERVAL (i) SECOND AS tm, uuid() AS u, ('x' || i)::BLOB AS bl,
    (CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END)::ENUM('a', 'b') AS en,
    TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS tns, TIMESTAMP_MS '2024-01-01 00:00:00.123' AS tms,
    (i * 1.5)::FLOAT AS fl, {'a': [1, 2], 'b': {'c': i}} AS nested, [[i], [], NULL] AS ll FROM range(100) t(i))
    TO '$T/types.parquet' (FORMAT PARQUET)"
expect_status 0 $DUCK "COPY (SELECT * FROM read_parquet('$T/types.parquet')) TO '$T/types-duck.jsonl' (FORMAT JSON)"
expect_status 0 "$TF" parquet cat "$T/types.parquet" --format jsonl
printf '%s\n' "$OUT" >"$T/types-tf.jsonl"
expect_status 0 $JSONCMP --float32 "$T/types-duck.jsonl" "$T/types-tf.jsonl"
expect_eq "$OUT" "100 rows equal" "more types"
expect_status 0 "$TF" parquet cat "$T/types.parquet" --columns dec,dec38,ut,tm,tns,tms,ll --limit 2
expect_eq "$OUT" 'dec,dec38,ut,tm,tns,tms,ll
0.00,0.0000,0,10:00:00,2024-01-01 00:00:00.123456789,2024-01-01 00:00:00.123000,"[[0],[],null]"
0.25,99999999999999998322.2784,1,10:00:01,2024-01-01 00:00:00.123456789,2024-01-01 00:00:00.123000,"[[1],[],null]"'

expect_status 0 "$TF" parquet cat "$T/duck-zstd.parquet" --limit 2
expect_eq "$OUT" 'i,b,d,s,bo,dt,ts,li,st,ls,m
0,0,0.0,,true,2020-01-01,2024-03-01 10:00:00,,"{""x"":0,""y"":""y0""}","[{""a"":0,""b"":null}]","{""k0"":0}"
1,1000000007,0.14285714285714285,str1,false,2020-01-02,2024-03-01 10:00:01.001000,[0],"{""x"":1,""y"":""y1""}","[{""a"":1,""b"":0.5}]","{""k1"":1}"'


# ---- scan: typed decoding, counts and min/max as DuckDB computes them; pruning ----
expect_status 0 $DUCK "COPY (SELECT i AS id, 52.0 + i / 100000 AS lat, CASE WHEN i % 7 = 0 THEN NULL ELSE 13.0 + i / 200000 END AS lng,
    'u' || (i % 10) AS u FROM range(50000) t(i) ORDER BY i) TO '$T/sorted.parquet' (FORMAT PARQUET, ROW_GROUP_SIZE 10000)"
expect_status 0 "$TF" parquet scan "$T/sorted.parquet"
expect_eq "$OUT" "row groups: 5 of 5 scanned
rows: 50000
column id: 50000 values, 0 nulls, min 0, max 49999
column lat: 50000 values, 0 nulls, min 52.0, max 52.49999
column lng: 42857 values, 7143 nulls, min 13.000005, max 13.249995
column u: 50000 values, 0 nulls, 100000 bytes"
# the same figures whatever the number of threads sharing the open file
expect_status 0 "$TF" parquet scan "$T/sorted.parquet" --threads 3 --columns lng,u
expect_eq "$OUT" "row groups: 5 of 5 scanned
rows: 50000
column lng: 42857 values, 7143 nulls, min 13.000005, max 13.249995
column u: 50000 values, 0 nulls, 100000 bytes"
expect_status 0 $DUCK "SELECT count(lng), min(lng), max(lng), max(lat) FROM read_parquet('$T/sorted.parquet')"
expect_eq "$OUT" "count(lng),min(lng),max(lng),max(lat)
42857,13.000005,13.249995,52.49999"
# only the row groups whose lat statistics meet [52.15, 52.25] are read (DuckDB
# cuts row groups at multiples of 2048 rows: 10240 .. 20479 and 20480 .. 30719)
expect_status 0 "$TF" parquet scan "$T/sorted.parquet" --columns lat,id --range lat:52.15:52.25
expect_eq "$OUT" "row groups: 2 of 5 scanned
rows: 20480
column lat: 20480 values, 0 nulls, min 52.1024, max 52.30719
column id: 20480 values, 0 nulls, min 10240, max 30719"
expect_status 2 "$TF" parquet scan "$T/sorted.parquet" --range lat:1
expect_eq "$ERR" "tripflow parquet scan: --range 'lat:1': expected COLUMN:LO:HI"

# ---- the GA4 events export (nested structs, lists of structs) as JSON ----
GA4=$SHARED/seed_repos/ga4_events_20180803.parquet
if [ -r "$GA4" ]; then
    expect_status 0 $DUCK "COPY (SELECT * FROM read_parquet('$GA4')) TO '$T/ga4-duck.jsonl' (FORMAT JSON)"
    "$TF_REL" parquet cat "$GA4" --format jsonl >"$T/ga4-tf.jsonl"
    expect_eq "$?" 0 "parquet cat ga4 status"
    expect_status 0 $JSONCMP "$T/ga4-duck.jsonl" "$T/ga4-tf.jsonl"
    expect_eq "$OUT" "50000 rows equal"
    expect_status 0 "$TF" parquet cat "$GA4" --format jsonl --columns event_name,geo --limit 1
    expect_eq "$OUT" '{"event_name":"post_score","geo":{"continent":"Americas","country":"United States","region":null,"city":null}}'
fi

# ---- errors ----
expect_status 2 "$TF" parquet cat "$PT/list_columns.parquet" --columns int64_list,nope
expect_eq "$ERR" "tripflow parquet cat: $PT/list_columns.parquet: no column 'nope' (columns: int64_list, utf8_list)"
expect_status 2 "$TF" parquet cat "$PT/list_columns.parquet" --columns utf8_list,int64_list,utf8_list
expect_eq "$ERR" "tripflow parquet cat: $PT/list_columns.parquet: column 'utf8_list' is named twice"
expect_status 2 "$TF" parquet cat "$PT/list_columns.parquet" --format xml
expect_eq "$ERR" "tripflow parquet cat --format: expected one of csv|jsonl, got 'xml'"
expect_status 1 "$TF" parquet schema "$T/missing.parquet"
expect_eq "$ERR" "tripflow parquet schema: $T/missing.parquet: No such file or directory"
printf 'id,name\n1,x\n' >"$T/not.parquet"
expect_status 1 "$TF" parquet cat "$T/not.parquet"
expect_eq "$ERR" "tripflow parquet cat: $T/not.parquet: not a Parquet file (no PAR1 magic at both ends)"
cp "$PT/null_list.parquet" "$T/enc.parquet"
printf 'PARE' | dd of="$T/enc.parquet" bs=1 seek=$(($(stat -c %s "$T/enc.parquet") - 4)) conv=notrunc 2>/dev/null
expect_status 1 "$TF" parquet cat "$T/enc.parquet"
expect_eq "$ERR" "tripflow parquet cat: $T/enc.parquet: encrypted Parquet footer (PARE) is not supported"
finish
