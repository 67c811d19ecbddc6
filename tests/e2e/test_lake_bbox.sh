# test_lake_bbox.sh — the bounding-box weekly average is exact: for every
# --match mode and for boxes on point, cell, row-group and file edges, the
# weekly counts equal DuckDB's over the same lake, and the row-group pruning
# really skips row groups.
source "$ROOT/tests/e2e/lib.sh"
LAKE=$T/lake
"$TF_REL" gen trips --rows 300000 --seed 41 --days 25 --out trips.csv
"$TF_REL" ingest trips.csv --quiet
CHECKS=$((CHECKS + 1))
[ "$(sql 'select max(row_groups) from lake_files')" -ge 2 ] || fail "want files with several row groups"

# DuckDB's weekly counts for a box and mode over the weeks [from, to]
duck_weekly() { # BOX MODE FROM TO
    local b=(${1//,/ }) cond
    local o="origin_lon between ${b[0]} and ${b[2]} and origin_lat between ${b[1]} and ${b[3]}"
    local d="destination_lon between ${b[0]} and ${b[2]} and destination_lat between ${b[1]} and ${b[3]}"
    case $2 in
    origin) cond=$o ;; destination) cond=$d ;; both) cond="($o) and ($d)" ;; either) cond="($o) or ($d)" ;;
    esac
    $DUCK "with w as (select generate_series as ws from generate_series(timestamp '$3', timestamp '$4', interval 7 day)),
           t as (select date_trunc('week', datetime at time zone 'UTC') as ws from read_parquet('$LAKE/trips/**/*.parquet') where $cond)
           select strftime(w.ws, '%Y-%m-%d') || ':' || count(t.ws) from w left join t using (ws) group by w.ws order by w.ws" | tail -n +2 | tr '\n' ' '
}
ours() { # BOX MODE [more options]: "week:trips ..."
    "$TF" report weekly --bbox "$1" --match "$2" "${@:3}" --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.weeks.map(w=>w.week_start+":"+w.trips).join(" ")+" ")})'
}

# a trip's exact point, a file's exact origin edges
read -r plon plat <<<"$($DUCK "select origin_lon, origin_lat from read_parquet('$LAKE/trips/region=Prague/**/*.parquet') order by datetime limit 1" | tail -1 | tr ',' ' ')"
read -r fminlon fminlat fmaxlon fmaxlat <<<"$(sql "select min_origin_lon, min_origin_lat, max_origin_lon, max_origin_lat from lake_files_v where region = 'Turin' limit 1" | tr '|' ' ')"
boxes=(
    "14.40,50.05,14.45,50.10"            # a small box in Prague
    "7.55,45.0,7.80,45.15"               # Turin, city-sized
    "$plon,$plat,$(echo "$plon + 0.01" | bc),$(echo "$plat + 0.01" | bc)" # a point on the min edges
    "$(echo "$plon - 0.01" | bc),$(echo "$plat - 0.01" | bc),$plon,$plat" # the same point on the max edges
    "$fminlon,$fminlat,$fminlon,$fmaxlat" # a zero-width box on a file's west edge
    "$fmaxlon,$fminlat,$fmaxlon,$fmaxlat" # and on its east edge
    "-30,-10,-29,-9"                     # the ocean: nothing
)
for box in "${boxes[@]}"; do
    for mode in origin destination both either; do
        got=$(ours "$box" $mode)
        expect_eq "$got" "$(duck_weekly "$box" $mode 2018-04-30 2018-05-21)" "box $box, $mode"
    done
done
# a range: the weeks holding --from and --to
got=$(ours 7.55,45.0,7.80,45.15 either --from 2018-05-09 --to 2018-05-16)
expect_eq "$got" "$(duck_weekly 7.55,45.0,7.80,45.15 either 2018-05-07 2018-05-14)" "range"
expect_eq "$("$TF" report weekly --bbox 7.55,45.0,7.80,45.15 --from 2018-05-09 --to 2018-05-16 --format json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.from+","+j.to)})')" \
    "2018-05-07,2018-05-20" "the range is the whole weeks holding --from and --to"

# the average and the shape, as for a region
expect_status 0 "$TF" report weekly --bbox 14.40,50.05,14.45,50.10 --format json
expect_eq "$(echo "$OUT" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const t=j.weeks.reduce((a,w)=>a+w.trips,0);console.log(JSON.stringify(j.area), j.from, j.to, j.weeks.length, j.weekly_average===t/j.weeks.length)})')" \
    '{"bbox":[14.4,50.05,14.45,50.1],"match":"origin"} 2018-04-30 2018-05-27 4 true' "bbox report shape"
expect_status 2 "$TF" report weekly --bbox 14.45,50.05,14.40,50.10
expect_eq "$ERR" "tripflow report weekly: bounding box '14.45,50.05,14.40,50.10': min must not exceed max"
expect_status 2 "$TF" report weekly --bbox 14.40,50.05,14.45
expect_eq "$ERR" "tripflow report weekly: bad bounding box '14.40,50.05,14.45' (expected min_lon,min_lat,max_lon,max_lat)"
expect_status 2 "$TF" report weekly --region Turin --bbox 1,2,3,4
expect_eq "$ERR" "tripflow report weekly: report weekly: name the area with --region NAME or --bbox MINLON,MINLAT,MAXLON,MAXLAT"
expect_status 2 "$TF" report weekly --bbox 1,2,3,4 --match sideways
expect_eq "$ERR" "tripflow report weekly --match: expected one of origin|destination|both|either, got 'sideways'"

# pruning works because files are in spatial order: a narrow band of
# longitudes needs only some of a file's row groups
f="$LAKE/trips/region=Prague/month=2018-05/part-r1-0.parquet"
rgs=$(sql "select row_groups from lake_files where path like '%region=Prague/month=2018-05/%'")
expect_status 0 "$TF" parquet scan "$f" --columns origin_lon --range origin_lon:14.40:14.41
scanned=$(echo "$OUT" | sed -n 's/^row groups: \([0-9]*\) of .*/\1/p')
CHECKS=$((CHECKS + 1))
[ -n "$scanned" ] && [ "$scanned" -lt "$rgs" ] || fail "pruning read $scanned of $rgs row groups"
finish
