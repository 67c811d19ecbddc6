#!/bin/bash
# run.sh — run every end-to-end test (tests/e2e/test_*.sh), or those whose
# name contains $1.  Each test gets its own temporary directory.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
export TF=${TF:-$ROOT/build/asan/tripflow}
export TF_REL=${TF_REL:-$ROOT/build/tripflow}
export TF_TSAN=${TF_TSAN:-$ROOT/build/tsan/tripflow}
# leak checking on; a failed sanitizer check fails the command
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}

if [ ! -d "$ROOT/tests/tools/node_modules/@duckdb/node-api" ]; then
    echo "e2e: installing test tools (DuckDB) from the npm registry"
    (cd "$ROOT/tests/tools" && npm install --no-audit --no-fund --loglevel=error) || exit 1
fi

failed=()
total=0
start=$(date +%s)
for t in "$ROOT"/tests/e2e/test_*.sh; do
    name=$(basename "$t" .sh)
    if [ $# -gt 0 ] && [[ "$name" != *"$1"* ]]; then continue; fi
    total=$((total + 1))
    t0=$(date +%s)
    echo "e2e: $name"
    # a shell error in the script itself ("test_x.sh: line N: ...") skips a
    # check without failing it: count it as a failure
    errf=$(mktemp)
    bash "$t" 2>"$errf"
    rc=$?
    cat "$errf" >&2
    if grep -q "^$t: line [0-9]*: " "$errf"; then
        echo "  FAIL $name: the script itself hit a shell error (above)" >&2
        rc=1
    fi
    rm -f "$errf"
    if [ $rc -ne 0 ]; then failed+=("$name"); fi
    echo "  ($(($(date +%s) - t0)) s)"
done
echo "e2e: $total tests, ${#failed[@]} failed, $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
    printf '  failed: %s\n' "${failed[@]}"
    exit 1
fi
