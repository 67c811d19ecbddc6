# lib.sh — helpers shared by the benchmark scripts (sourced).
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TF=$ROOT/build/tripflow

# the machine, as one Markdown line
machine() {
    printf '%s, %s CPUs, %s GiB RAM, %s, %s' \
        "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" \
        "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)" \
        "$(uname -sr)" "$(sqlite3 --version | cut -d' ' -f1 | sed 's/^/SQLite /')"
}

# timed PREFIX CMD...: wall seconds in $PREFIX.s, peak RSS (KiB) in $PREFIX.rss;
# returns CMD's status
timed() {
    local p=$1
    shift
    /usr/bin/time -f '%e %M' -o "$p.time" "$@"
    local st=$?
    # the last line: a failed command's status line comes first
    tail -1 "$p.time" | cut -d' ' -f1 >"$p.s"
    tail -1 "$p.time" | cut -d' ' -f2 >"$p.rss"
    return $st
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# ratio A B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
