# lib.sh — helpers for the end-to-end tests (sourced by every test_*.sh).
# Each test runs the real binary ($TF, sanitizer build; $TF_REL for larger
# data) on real files in its own directory $T, and asserts exact results.

: "${TF:?TF must name the tripflow binary}"
: "${TF_REL:=$TF}"
: "${ROOT:?}"
SHARED=${TRIPFLOW_SHARED:-$ROOT/../shared/data}
DUCK="node $ROOT/tests/tools/duck.mjs"
T=$(mktemp -d "/tmp/tripflow-e2e.XXXXXX")
export TRIPFLOW_DB="$T/tripflow.db"
cd "$T" || exit 1
FAILS=0
CHECKS=0

cleanup_dir() { cd / && rm -rf "$T"; }
trap cleanup_dir EXIT

fail() {
    FAILS=$((FAILS + 1))
    printf '  FAIL %s:%s: %s\n' "$(basename "${BASH_SOURCE[2]:-$0}")" "${BASH_LINENO[1]:-?}" "$*" >&2
}

# expect_eq ACTUAL EXPECTED [WHAT]
expect_eq() {
    CHECKS=$((CHECKS + 1))
    if [ "$1" != "$2" ]; then
        fail "${3:-value}: got [$1], expected [$2]"
    fi
}

# expect_contains HAYSTACK NEEDLE [WHAT]
expect_contains() {
    CHECKS=$((CHECKS + 1))
    case "$1" in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain [$2]; it was: [$1]" ;;
    esac
}

# expect_status CODE CMD... — run CMD, check its exit status; its stdout is in $OUT, stderr in $ERR
expect_status() {
    local want=$1
    shift
    CHECKS=$((CHECKS + 1))
    "$@" >"$T/.out" 2>"$T/.err"
    local got=$?
    OUT=$(cat "$T/.out")
    ERR=$(cat "$T/.err")
    if [ "$got" != "$want" ]; then
        fail "exit status of [$*]: got $got, expected $want; stderr: $(head -c 2000 "$T/.err")"
    fi
}

need_shared() {
    if [ ! -r "$SHARED/$1" ]; then
        echo "  SKIP: $SHARED/$1 is absent (set TRIPFLOW_SHARED)"
        exit 0
    fi
}

# JSON text without layout (key order kept, numbers as JavaScript prints them)
json_compact() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s))))'; }

sql() { sqlite3 -batch -noheader "${DB:-$TRIPFLOW_DB}" "$@"; }

# The counts in `tripflow staypoints`' summary line (in $ERR): "USERS STAYPOINTS".
sp_summary() { echo "$ERR" | sed -n 's/.* users, \([0-9]*\) with staypoints; \([0-9]*\) staypoints .*/\1 \2/p'; }

# seed_staypoints_sql ENTER EXIT: the seed's staypoint query as DuckDB SQL
# over table trips (user_id, trip_start_time, trip_end_time, end_lat,
# end_lng, seq = input order): LEAD over each user's trips, ARRAY_AGG by
# enter time, ties by end time then input order; ENTER and EXIT are the
# expressions of the two times in the list; into table seed.
seed_staypoints_sql() {
    cat <<SQL
CREATE TABLE seed AS
SELECT user_id,
       ARRAY_AGG({'enter_time': $1, 'exit_time': $2, 'lat': lat, 'lng': lng}
                 ORDER BY enter_time, trip_start_time, trip_end_time, seq) AS staypoints,
       substr(user_id, 1, 2) AS p1, substr(user_id, 3, 2) AS p2
FROM (SELECT user_id, trip_end_time AS enter_time, LEAD(trip_start_time) OVER user_trips AS exit_time,
             end_lat AS lat, end_lng AS lng, trip_start_time, trip_end_time, seq
      FROM trips WINDOW user_trips AS (PARTITION BY user_id ORDER BY trip_start_time, trip_end_time, seq))
WHERE exit_time IS NOT NULL
GROUP BY 1, 3, 4;
SQL
}

# seed_checks NAME...: after a comparison with the seed's query, the data
# was big enough (> 90000 users with staypoints in $seed_rows) and each named
# variable counts more than 100 cases (the data exercises that case); on
# rows missing against the seed ($only_seed), DuckDB shows three of them.
seed_checks() {
    [ "${seed_rows:-0}" -gt 90000 ] || fail "expected > 90000 users with staypoints, got $seed_rows"
    local v
    for v in "$@"; do
        [ "${!v:-0}" -gt 100 ] || fail "the data should exercise $v (got ${!v})"
    done
    if [ "$only_seed" != 0 ]; then
        $DUCK "$SQL SELECT * FROM (SELECT * FROM seed EXCEPT ALL SELECT * FROM ours) LIMIT 3" | head -c 3000 >&2
    fi
}

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "  $FAILS of $CHECKS checks failed"
        exit 1
    fi
    echo "  $CHECKS checks passed"
    exit 0
}
