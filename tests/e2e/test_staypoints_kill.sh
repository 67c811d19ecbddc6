# test_staypoints_kill.sh — a killed run leaves nothing under the output's
# name: SIGKILL while reading (input held open on a FIFO) and while writing
# the output (caught mid-write with SIGSTOP); SIGTERM stops cleanly with no
# temporary left; the next run removes a dead run's temporary.
source "$ROOT/tests/e2e/lib.sh"

"$TF_REL" gen staypoint-trips --users 100000 --seed 5 --out trips.csv 2>/dev/null
head -1000 trips.csv > head.csv

# wait_for COND... — poll up to 20 s for a shell condition
wait_for() {
    for _ in $(seq 2000); do
        eval "$*" && return 0
        sleep 0.01
    done
    return 1
}

# --- SIGKILL while the input is still coming
mkfifo in.fifo
"$TF_REL" staypoints in.fifo --out out.jsonl --quiet &
pid=$!
exec 3>in.fifo
cat head.csv >&3
wait_for "[ -e .out.jsonl.tmp-$pid ]" || fail "the run never opened its temporary output"
{ kill -9 $pid; wait $pid; } 2>/dev/null
exec 3>&-
expect_eq "$(ls -A | grep -c '^out\.jsonl$')" "0" "SIGKILL while reading: nothing under the final name"
expect_eq "$(ls -A | grep -c "^\.out\.jsonl\.tmp-$pid\$")" "1" "the killed run's temporary is left (nothing can remove it)"

# the next run removes it and publishes the output
expect_status 0 "$TF" staypoints head.csv --out out.jsonl --quiet
expect_eq "$(ls -A | grep '^\.out\.jsonl\|^out\.jsonl$')" "out.jsonl" "the dead run's temporary was removed"

# --- SIGTERM while the input is still coming: stops at once, removes its temporary
"$TF_REL" staypoints in.fifo --out term.jsonl 2>term.err &
pid=$!
exec 3>in.fifo
cat head.csv >&3
wait_for "[ -e .term.jsonl.tmp-$pid ]" || fail "the run never opened its temporary output"
kill -TERM $pid
wait $pid
status=$?
exec 3>&-
expect_eq "$status" "1" "exit status after SIGTERM"
expect_eq "$(ls -A | grep -c 'term\.jsonl')" "0" "SIGTERM: no output, no temporary, no reject file"
expect_eq "$(cat term.err)" "tripflow staypoints: interrupted by signal 15" "SIGTERM message"

# --- SIGKILL in the middle of writing the output: stop the process once its
# temporary has data, check, then kill it
caught=0
for attempt in 1 2 3; do
    "$TF_REL" staypoints trips.csv --out big.jsonl --quiet &
    pid=$!
    if wait_for "[ -s .big.jsonl.tmp-$pid ] || ! kill -0 $pid 2>/dev/null" && kill -STOP $pid 2>/dev/null; then
        if [ -s .big.jsonl.tmp-$pid ] && [ ! -e big.jsonl ]; then
            caught=1
            expect_eq "$(ls -A | grep -c '^big\.jsonl$')" "0" "stopped mid-write: nothing under the final name"
            { kill -9 $pid; wait $pid; } 2>/dev/null
            expect_eq "$(ls -A | grep -c '^big\.jsonl$')" "0" "SIGKILL mid-write: nothing under the final name"
            expect_eq "$(ls -A | grep -c "^\.big\.jsonl\.tmp-$pid\$")" "1" "the partial output is only in the temporary"
            break
        fi
        kill -9 $pid 2>/dev/null
    fi
    { wait $pid; } 2>/dev/null
    rm -f big.jsonl
done
expect_eq "$caught" "1" "caught a run in the middle of writing its output"
finish
