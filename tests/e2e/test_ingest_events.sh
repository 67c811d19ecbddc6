# test_ingest_events.sh — status is pushed: JSON event lines, a webhook (a
# real HTTP listener), the events stored with the run, live following with
# `runs --follow`; a listener that is down or failing never fails a run.
source "$ROOT/tests/e2e/lib.sh"
need_shared seed_repos/jobsity_trips.csv
cp "$SHARED/seed_repos/jobsity_trips.csv" trips.csv

node "$ROOT/tests/tools/listener.mjs" got.jsonl port &
lpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
expect_status 0 "$TF" ingest trips.csv --events json --notify-url "http://127.0.0.1:$(cat port)/events"
printf '%s\n' "$OUT" >emitted.jsonl
kill $lpid
wait $lpid 2>/dev/null
types=$(node -e 'require("fs").readFileSync("emitted.jsonl","utf8").trim().split("\n").forEach(l=>{const e=JSON.parse(l); if(e.type!=="progress") console.log(e.seq, e.type, e.stage ?? "")})')
expect_eq "$types" $'1 started \n2 stage parsing\n4 stage deduplicating\n5 stage committing\n6 finished ' "event sequence"
expect_eq "$(sed -n 3p emitted.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const e=JSON.parse(s);console.log(e.type,e.bytes,e.bytes_total,e.rows,e.rejected)})')" "progress 12839 12839 100 0" "progress event"
last=$(tail -1 emitted.jsonl)
expect_contains "$last" '"type":"finished","source":"trips.csv","rows_read":100,"rows_loaded":100,"rows_duplicate":0,"rows_rejected":0,"status":"loaded","bytes":12839'
# the parse hashed the file (no loaded run had its size): the hash comes with
# `finished` and in the run's row, equal to the file's hash taken up front
# (a chunk size other than the hash's piece size)
expect_eq "$(head -1 emitted.jsonl | grep -c content_hash)" 0 "started: no hash yet"
h=$(grep -o '"content_hash":"[0-9a-f]*"' <<<"$last" | cut -d'"' -f4)
expect_eq "$(sql 'select content_hash from ingest_runs where run_id = 1')" "$h" "the run's hash"
TRIPFLOW_DB=$T/upfront.db expect_status 0 "$TF" ingest trips.csv --chunk-size 4K --events json
expect_eq "$(head -1 <<<"$OUT" | grep -o '"type":"started".*"content_hash":"[0-9a-f]*"' | sed 's/.*"content_hash":"//; s/"$//')" "$h" "the same hash up front"
expect_eq "$(cat got.jsonl)" "$(cat emitted.jsonl)" "the webhook got every event, in order"
expect_status 0 "$TF" runs --id 1 --events
expect_eq "$OUT" "$(cat emitted.jsonl)" "stored events replay the same"
expect_eq "$ERR" "" "no warnings"

# a listener that is down: the run succeeds and says what was lost
"$TF_REL" gen trips --rows 500 --seed 2 --out two.csv
expect_status 0 "$TF" ingest two.csv --notify-url "http://127.0.0.1:$(cat port)/events"
expect_contains "$OUT" "loaded 500 of 500 rows"
CHECKS=$((CHECKS + 1))
echo "$ERR" | grep -Eq "^tripflow: warning: webhook http://127.0.0.1:$(cat port)/events: ([0-9]+) of \1 events not delivered \(Couldn't connect to server\)$" ||
    fail "no warning that every event was lost: $ERR"

# a listener that answers 500 is retried, then given up on
rm -f port got.jsonl
node "$ROOT/tests/tools/listener.mjs" got.jsonl port 500 &
lpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
"$TF_REL" gen trips --rows 500 --seed 3 --out three.csv
expect_status 0 "$TF" ingest three.csv --notify-url "http://127.0.0.1:$(cat port)/events"
expect_contains "$ERR" "events not delivered (HTTP status 500)"
kill $lpid
wait $lpid 2>/dev/null
n_events=$(sql "select count(*) from run_events where run_id = (select max(run_id) from ingest_runs)")
expect_eq "$(wc -l <got.jsonl)" "$((n_events * 3))" "three tries for each of the run's $n_events events"

# following a run live: the follower starts before the run and sees it end
"$TF_REL" gen trips --rows 800000 --seed 4 --out big.csv
"$TF_REL" ingest big.csv --quiet &
ipid=$!
for _ in $(seq 100); do [ "$(sql "select count(*) from ingest_runs where source = 'big.csv'")" = 1 ] && break; sleep 0.05; done
"$TF" runs --events --follow >followed.jsonl &
fpid=$!
wait $ipid
wait $fpid
expect_eq "$(head -1 followed.jsonl | grep -o '"type":"[a-z_]*"')" '"type":"started"' "follow from the start"
expect_eq "$(tail -1 followed.jsonl | grep -o '"type":"[a-z_]*"')" '"type":"finished"' "follow to the end"
expect_status 0 "$TF" runs --events
expect_eq "$OUT" "$(cat followed.jsonl)" "followed = stored"
# a terminal gets a live progress bar on stderr; --quiet and pipes get none
"$TF_REL" gen trips --rows 1500000 --seed 5 --out bar.csv
script -qfec "$TF ingest bar.csv" /dev/null >tty.txt
CHECKS=$((CHECKS + 1))
grep -q $'bar.csv \[#*\.*\] *[0-9]*%  [0-9.]*M rows  [0-9.]*MB/s  ETA [0-9]*s' tty.txt || fail "no progress bar on the terminal: $(head -c 300 tty.txt)"
expect_contains "$(cat tty.txt)" "committing..." "stages on the terminal"
script -qfec "$TF ingest bar.csv --quiet" /dev/null >tty2.txt
expect_eq "$(cat tty2.txt)" "" "--quiet: nothing at all"
expect_status 0 "$TF" runs --format csv
expect_eq "$(echo "$ERR" | grep -c ETA)" 0 "no bar when stderr is not a terminal"

expect_status 2 "$TF" runs --follow
expect_eq "$ERR" "tripflow runs: runs: --follow goes with --events"
finish
