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

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "  $FAILS of $CHECKS checks failed"
        exit 1
    fi
    echo "  $CHECKS checks passed"
    exit 0
}
