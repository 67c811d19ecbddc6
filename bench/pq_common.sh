# pq_common.sh — shared by the Parquet benchmarks: build the data generator,
# time a command (best of N wall seconds, peak RSS in MB), print the machine.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/lib.sh"
DUCK="node $ROOT/tests/tools/duck.mjs"

# the rows (5M, or 500k with --small), repetitions and a work directory W
pq_setup() {
    ROWS=5000000
    REPS=3
    if [ "${1:-}" = --small ]; then
        ROWS=500000
        REPS=2
    fi
    W=$(mktemp -d /tmp/tripflow-bench.XXXXXX)
    trap 'rm -rf "$W"' EXIT
}

pq_build_gen() {
    make -s -C "$ROOT" build/tripflow >/dev/null || exit 1
    GEN=$W/parquet_gen
    cc -O2 -I"$ROOT/include" -D_GNU_SOURCE "$ROOT/bench/parquet_gen.c" "$ROOT/build/libtripflow.a" -o "$GEN" \
        -lzstd -lsnappy -llz4 -lz -lxxhash -lm -pthread || exit 1
}

# best_of N CMD... -> sets SECS (best wall seconds) and RSS (MB of that run)
best_of() {
    local n=$1
    shift
    SECS=
    RSS=
    for _ in $(seq "$n"); do
        /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
            echo "bench: failed: $* ($(head -c 300 "$W/err"))" >&2
            exit 1
        }
        read -r s m <"$W/time"
        if [ -z "$SECS" ] || awk "BEGIN{exit !($s < $SECS)}"; then
            SECS=$s
            RSS=$((m / 1024))
        fi
    done
}
