#!/bin/bash
# run.sh — run every libFuzzer target in build/fuzz for SECONDS each on seed
# corpora: files written by tripflow (corpus_gen) and the parquet-testing
# conformance files when ../shared/data is there; footers for fuzz_pq_footer;
# CSV texts for fuzz_csv; JSON objects for fuzz_jsonscan; trip rows for
# fuzz_trip (a mode byte first: bit 0 reads the header, bit 1 a time zone).
# A crash, leak or sanitizer report fails the run and prints the log tail;
# the input that failed is kept in build/fuzz/.
# usage: tests/fuzz/run.sh SECONDS | smoke
#   SECONDS (make fuzz): a random seed, the corpus kept in corpus-NAME and
#   grown across runs, SECONDS per target: exploration.
#   smoke (make fuzz-smoke, part of make test): seed 1, a fresh corpus and a
#   fixed count of inputs per target (about 10 s each on a 2-core VM, capped
#   at 120 s): the same mutation sequence on every machine, so the gate
#   fails on a change to the code rather than on luck (libFuzzer still lets
#   timing nudge its corpus a little: feature counts vary by about 3 %).
set -u
secs=${1:-60}
smoke=0
[ "$secs" = smoke ] && smoke=1 && secs=120
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$ROOT/build}/fuzz
SHARED=${TRIPFLOW_SHARED:-$ROOT/../shared/data}
rm -rf "$B/seeds-files" "$B/seeds-footers" "$B/seeds-csv" "$B/seeds-json" "$B/seeds-trip"
mkdir -p "$B/seeds-files" "$B/seeds-footers" "$B/seeds-csv" "$B/seeds-json" "$B/seeds-trip"
# JSON seeds: escapes, nesting, repeated members, and real GA4 events
printf '{"k":"a\\u00e9\\ud83d\\ude00\\n","t":1533300000000000,"x":[1,-0.5e3,true,null,{"k":2}],"k":"last"}' >"$B/seeds-json/escapes"
printf ' {"\\u006b" : 12 , "t":"2018-08-03T10:00:00Z"} ' >"$B/seeds-json/escaped-name"
[ -r "$SHARED/seed_repos/ga4_events_sample_200.ndjson" ] && head -3 "$SHARED/seed_repos/ga4_events_sample_200.ndjson" |
    split -l 1 - "$B/seeds-json/ga4-"
# CSV seeds: quoting, CRLF, a BOM, blank lines, bad quotes, the real sample
printf 'region,origin_coord\r\nPrague,"POINT (14.4 50.0)"\r\n\r\n  \nTurin,"a ""q"" b"\n' >"$B/seeds-csv/quoted"
printf '\xef\xbb\xbfa,b,c\nx,y"z,w\n"open,1\n1,2,3' >"$B/seeds-csv/bad"
printf 'a,"multi\nline",b\nc,d\n' >"$B/seeds-csv/multiline"
[ -r "$SHARED/seed_repos/jobsity_trips.csv" ] && cp "$SHARED/seed_repos/jobsity_trips.csv" "$B/seeds-csv/"
# trip seeds: good rows in every accepted form, and one of each reject reason
T=$B/seeds-trip
printf '\x03region,origin_coord,destination_coord,datetime,datasource\r\nPrague,POINT (14.4973794438195 50.00136875782316),POINT (14.43109483523328 50.04052930943246),2018-05-28 09:03:40,funny_car\r\n' >"$T/header"
printf '\x01datetime,datasource,region,destination_coord,origin_coord\nTurin,POINT(7.6 45.0),POINT(7.7 45.1),2018-05-28T09:03:40.123456789+02:00,cheap_mobile\n' >"$T/reordered"
printf '\x00"Ham""burg",POINT (10 53.5),"POINT (\n10.1 53.6 )",2018-05-28T09:03:40Z,"pt_search_app"\nHamburg,point(-0 -0),POINT (180 -90),2018-02-29 00:00:00,x\n' >"$T/quoted"
printf '\x02Prague,POINT (14.4 50.0),POINT (14.4 50.1),2018-03-25 02:30:00,ds\nPrague,POINT (14.4 50.0),POINT (14.4 50.1),0001-01-01 00:00:00,ds\n' >"$T/zoned"
printf '\x00,POINT (1 2),POINT (1 2),2018-05-28 09:03:40,d\nr,POINT (1e999 2),POINT (nan 2),2018-05-28 25:00:00,d\nr,POINT (1 2),POINT (1 2),2018-05-28 09:03:40+99:99,\xff\nr,a,b\n' >"$T/bad"
[ -r "$SHARED/seed_repos/jobsity_trips.csv" ] && { printf '\x01'; cat "$SHARED/seed_repos/jobsity_trips.csv"; } >"$T/jobsity"
conf=()
if [ -d "$SHARED/parquet-testing" ]; then
    conf=("$SHARED"/parquet-testing/*.parquet)
    cp "${conf[@]}" "$B/seeds-files/"
else
    echo "fuzz: $SHARED/parquet-testing is absent; seeds are tripflow's own files only"
fi
"$B/corpus_gen" "$B/seeds-files" "$B/seeds-footers" "${conf[@]}" || exit 1
status=0
for t in "$B"/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    # each target's seeds, and its smoke count (about 10 s on a 2-core VM)
    case $name in
    fuzz_pq_read) seeds=$B/seeds-files runs=30000 ;;
    fuzz_pq_footer) seeds=$B/seeds-footers runs=600000 ;;
    fuzz_csv) seeds=$B/seeds-csv runs=300000 ;;
    fuzz_trip) seeds=$B/seeds-trip runs=150000 ;;
    fuzz_jsonscan) seeds=$B/seeds-json runs=600000 ;;
    *) echo "fuzz: $name has no seeds in run.sh" && exit 1 ;;
    esac
    if [ $smoke = 1 ]; then
        corpus=smoke-corpus-$name
        rm -rf "${B:?}/$corpus"
        mode=(-seed=1 -runs="$runs")
        echo "fuzz: $name, $runs inputs from seed 1 (at most ${secs}s)"
    else
        corpus=corpus-$name
        mode=()
        echo "fuzz: $name for ${secs}s"
    fi
    mkdir -p "$B/$corpus"
    if ! (cd "$B" && "$t" "${mode[@]}" -max_total_time="$secs" -max_len=200000 -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 "$corpus" "$seeds" >"$name.log" 2>&1); then
        echo "fuzz: $name FAILED; the end of $B/$name.log:"
        tail -60 "$B/$name.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$B/$name.log" | sed 's/^/  /'
    fi
done
exit $status
