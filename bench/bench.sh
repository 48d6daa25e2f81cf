#!/usr/bin/env bash
# bench/bench.sh: the benchmark behind "make bench".
#
# For each size (100k and 1M leads by default): a fresh database on the
# throwaway cluster of scripts/cluster.sh; the generated data set
# (bench/generate.sh, one session per core, timed statement by statement,
# with the cost of the stage_event freezing trigger measured on the side by
# bench/trigger_cost.sql); VACUUM ANALYZE; the plain-SQL equivalents
# (bench/plain.sql) checked row for row against the extension, which runs
# every query once (the warm-up); then BENCH_RUNS rounds that run every case
# in turn, each run in a new connection, timed by EXPLAIN (ANALYZE, TIMING
# OFF) (execution time, planning excluded), with the backend's peak memory
# read from /proc/self/status right after. At the smallest size the views
# run once more with JIT on; at the largest, perf profiles the ICP
# queries and the two largest views and their plain twins.
# bench/results/RESULTS.md (bench/report.sql) gets the medians and ratios,
# and is printed.
#
#   bench/bench.sh                                   what make bench runs
#   BENCH_SIZES="20000" BENCH_RUNS=3 bench/bench.sh  a quick look
#
# Environment: BENCH_SIZES (default "100000 1000000"), BENCH_RUNS (5),
# BENCH_SEED (42), BENCH_JIT (off by default: JIT compiles the big view
# queries for seconds; "on", or "default" for the server's setting),
# BENCH_KEEP=1 keeps the databases bench_<size> (dropped otherwise).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

die() { echo "bench.sh: $*" >&2; exit 1; }

sizes=${BENCH_SIZES:-"100000 1000000"}
runs=${BENCH_RUNS:-5}
seed=${BENCH_SEED:-42}
jit=${BENCH_JIT:-off}
[ "$runs" -ge 1 ] 2>/dev/null || die "BENCH_RUNS must be a positive number"

# The generator's data span 2024-01-01 .. 2025-12-31 (730 days): the
# metrics are computed as of its end.
as_of='2025-12-31 00:00:00+00'

out=$here/bench/results
mkdir -p "$out"

eval "$(scripts/cluster.sh env)" ||
    die "no cluster: run 'make bench' (or scripts/cluster.sh start) first"
export PSQLRC=/dev/null
psql -X -q -d postgres -c 'SELECT 1' >/dev/null ||
    die "the cluster does not answer on $PGHOST port $PGPORT"

started=$(date +%s)

# Every timed session runs with the same settings; the plain SQL has them
# written in.  Each session loads alignment.so before its query, as any
# session that has used the extension once has it loaded: the time of that
# load, once per connection, is measured on its own (library_load_ms).
settings="LOAD 'alignment';
SET TimeZone = 'UTC';
SET alignment.as_of = '$as_of';
SET alignment.period = 'month';
SET alignment.business_timezone = 'UTC';
SET alignment.conversion_window_days = 90;
SET alignment.base_currency = 'USD';
SET alignment.persona_lookback_months = 12;
SET alignment.persona_agreement_threshold = 0.6;
SET alignment.lifecycle_clarity_threshold = 0.6;
SET alignment.min_sample = 30;"
if [ "$jit" != default ]; then
    settings="$settings
SET jit = $jit;"
fi

# The five-criterion ICP of the ICP cases: the same as bench.icp_score_case.
icp='{"criteria": [
  {"attribute": "segment", "in": ["health_beauty", "electronics", "home_decor"], "weight": 3},
  {"attribute": "employees", "between": [50, 1000], "weight": 2},
  {"attribute": "revenue", "min": 5},
  {"attribute": "tags", "contains": "saas"},
  {"attribute": "lead_type", "equals": "student", "disqualify": true}]}'

views="mql_conversion pipeline_attribution icp_fit_at_handoff
follow_up_compliance time_to_close alignment_matrix"

# case name <TAB> query; run in this order in every round.
cases_file=$(mktemp)
trap 'rm -f "$cases_file"' EXIT
{
    printf 'icp_score\tSELECT sum(alignment.icp_score(%s, attributes)) FROM alignment.lead\n' \
        "'$(echo "$icp" | tr -d '\n')'::jsonb"
    printf 'icp_case\tSELECT sum(bench.icp_score_case(attributes)) FROM alignment.lead\n'
    printf 'icp_plpgsql\tSELECT sum(bench.icp_score_plpgsql(%s, attributes)) FROM alignment.lead\n' \
        "'$(echo "$icp" | tr -d '\n')'::jsonb"
    printf 'count_attributes\tSELECT count(attributes) FROM alignment.lead\n'
    printf 'count_star\tSELECT count(*) FROM alignment.lead\n'
    for v in $views; do
        printf 'view_%s\tSELECT * FROM alignment.%s\n' "$v" "$v"
        printf 'plain_%s\tSELECT * FROM bench.plain_%s\n' "$v" "$v"
    done
    # the floor of the views: every row of every table they read, once
    printf 'count_tables\tSELECT (SELECT count(*) FROM alignment.stage_event) + (SELECT count(*) FROM alignment.lead) + (SELECT count(*) FROM alignment.activity) + (SELECT count(*) FROM alignment.touch) + (SELECT count(*) FROM alignment.deal) + (SELECT count(*) FROM alignment.fx_rate) + (SELECT count(*) FROM alignment.stage) + (SELECT count(*) FROM alignment.icp_version) + (SELECT count(*) FROM alignment.sla)\n'
} >"$cases_file"

# Columns compared between each view and its plain equivalent (floats
# rounded to 9 decimals by bench.r).
compare_columns() {
    case $1 in
    mql_conversion) echo "period_start, period_end, team_id, all_teams, cohort, decided, converted, pending, bench.r(rate), bench.r(ci_low), bench.r(ci_high), cohort_decided, skipped_handoff" ;;
    pipeline_attribution) echo "period_start, period_end, team_id, all_teams, won_deals, won_amount, attributed_deals, attributed_amount, no_lead_deals, no_lead_amount, no_touch_deals, no_touch_amount, after_creation_deals, after_creation_amount, unknown_creation_deals, unknown_creation_amount, deals_without_amount, deals_not_converted, bench.r(accuracy), bench.r(deal_accuracy)" ;;
    icp_fit_at_handoff) echo "period_start, period_end, team_id, all_teams, handoffs, scored, bench.r(mean_fit_score), bench.r(median_fit_score), bench.r(p25_fit_score), min_fit_score, bench.r(share_at_or_above_min), no_icp_handoffs" ;;
    follow_up_compliance) echo "period_start, period_end, team_id, all_teams, has_sla, sla_hours, mql_entries, due, within_sla, breaches, pending, bench.r(compliance), bench.r(median_response_hours), no_sla_entries" ;;
    time_to_close) echo "period_start, period_end, team_id, all_teams, persona, all_personas, won_deals, known_creation_deals, bench.r(median_days_to_close), bench.r(mean_days_to_close), won_amount, deals_without_amount, deals_not_converted" ;;
    alignment_matrix) echo "period_start, period_end, team_id, all_teams, mql_entries, bench.r(persona_mix_similarity), bench.r(icp_fit_share), bench.r(persona_agreement), bench.r(gate_compliance), bench.r(follow_up_compliance), bench.r(disposition_coverage), bench.r(handoff_discipline), bench.r(lifecycle_clarity), cell, decided_mql_entries, low_confidence" ;;
    esac
}

label_of() {
    local n=$1
    if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))m"
    elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
    else echo "$n"; fi
}

now() { date +%s.%N; }

# One timed run: prints "exec_ms<TAB>plan_ms<TAB>hwm_kb<TAB>shmem_kb<TAB>jit"
# and leaves the plan in $2.
run_case() {
    local db=$1 plan=$2 query=$3 raw
    raw=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<SQL
$settings
EXPLAIN (ANALYZE, TIMING OFF) $query;
SELECT 'mem', substring(s FROM 'VmHWM:\s*(\d+)'),
       substring(s FROM 'RssShmem:\s*(\d+)')
FROM pg_catalog.pg_read_file('/proc/self/status') AS s;
SQL
    )
    printf '%s\n' "$raw" | grep -v '^mem|' >"$plan"
    printf '%s\n' "$raw" | awk -F'|' '
        /^Execution Time:/ { e = $0; sub(/^Execution Time: /, "", e); sub(/ ms$/, "", e) }
        /^Planning Time:/  { p = $0; sub(/^Planning Time: /, "", p); sub(/ ms$/, "", p) }
        /^JIT:/            { j = "yes" }
        /^mem\|/           { h = $2; s = $3 }
        END { printf "%s\t%s\t%s\t%s\t%s\n", e, p, h, s, (j ? j : "no") }'
}

# perf profile of one query run in a single backend (no parallel workers,
# no JIT, so that the backend does all the work).
profile_case() {
    local db=$1 name=$2 query=$3 file=$4 pidfile data
    if ! command -v perf >/dev/null; then
        echo "perf is not installed: no profile" >"$file"
        return 0
    fi
    pidfile=$(mktemp)
    data=$(mktemp)
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL &
$settings
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SELECT pg_catalog.pg_backend_pid() AS pid \gset
\o $pidfile
\qecho :pid
\o
SELECT pg_catalog.pg_sleep(1);
$query;
SQL
    local psql_pid=$! pid="" i
    for i in $(seq 50); do
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    if [ -z "$pid" ] ||
        ! perf record -F 999 -g -p "$pid" -o "$data" >/dev/null 2>&1; then
        wait "$psql_pid" || true
        echo "perf record failed here (perf_event_paranoid, or no perf support in this kernel): no profile" >"$file"
        rm -f "$pidfile" "$data"
        return 0
    fi
    wait "$psql_pid" || true
    {
        echo "# perf profile of $name (one backend, no parallel workers, no JIT)"
        echo "# $query"
        echo "# self time by shared object and symbol; unnamed addresses are"
        echo "# static functions of the postgres binary (no debug symbols here)"
        perf report -i "$data" --no-children --sort dso,sym -g none \
            --stdio 2>/dev/null | awk '/^ *[0-9.]+%/ && n++ < 40' || true
    } >"$file"
    rm -f "$pidfile" "$data"
}

biggest=$(for n in $sizes; do echo "$n"; done | sort -n | tail -1)
smallest=$(for n in $sizes; do echo "$n"; done | sort -n | head -1)
all_times="$out/times.tsv"
all_gen="$out/generate.tsv"
all_checks="$out/checks.tsv"
all_rows="$out/rows.tsv"
: >"$all_times"; : >"$all_gen"; : >"$all_checks"; : >"$all_rows"
rm -rf "$out"/plans_* "$out"/profile_*.txt "$out"/generate_*.log \
    "$out"/vacuum_*.log "$out/RESULTS.md"

for n in $sizes; do
    label=$(label_of "$n")
    db=bench_$label
    echo "== $label leads: database $db"
    psql -X -q -d postgres -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "CREATE DATABASE $db"
    psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION alignment"

    # --- generation ----------------------------------------------------
    rm -f "$out/generate_$label".*.log
    t0=$(now)
    GENERATE_LOG="$out/generate_$label" GENERATE_MEASURE_TRIGGER=1 \
        bench/generate.sh "$db" "$n" "$seed" ||
        die "generation failed (logs: $out/generate_$label.*.log)"
    t1=$(now)
    psql -X -q -d "$db" -c '\timing on' -c 'VACUUM (ANALYZE)' \
        >"$out/vacuum_$label.log" 2>&1
    t2=$(now)
    for f in "$out/generate_$label".*.log; do
        job=${f#"$out/generate_$label."}
        job=${job%.log}
        awk -v size="$label" -v job="$job" '
            /^generate: / { step = substr($0, 11); next }
            /^Time: /     { t[step == "" ? "setup" : step] += $2
                            s = (step == "" ? "setup" : step)
                            if (!(s in seen)) { seen[s] = 1; order[++k] = s } }
            /^freezing: / { printf "%s\t%s\tset-based agrees\t%s\n", size, job,
                                   ($NF == "t") ? "yes" : "NO" }
            END { for (i = 1; i <= k; i++)
                      printf "%s\t%s\t%s\t%.1f\n", size, job, order[i], t[order[i]] }' \
            "$f" >>"$all_gen"
    done
    printf '%s\t-\twall\t%s\n' "$label" \
        "$(awk "BEGIN { printf \"%.1f\", ($t1 - $t0) * 1000 }")" >>"$all_gen"
    printf '%s\t-\tvacuum analyze\t%s\n' "$label" \
        "$(awk "BEGIN { printf \"%.1f\", ($t2 - $t1) * 1000 }")" >>"$all_gen"
    psql -X -q -At -F $'\t' -d "$db" -v label="$label" >>"$all_rows" <<'SQL'
SELECT :'label', t, n FROM (VALUES
    ('team', (SELECT count(*) FROM alignment.team)),
    ('sla', (SELECT count(*) FROM alignment.sla)),
    ('icp_version', (SELECT count(*) FROM alignment.icp_version)),
    ('fx_rate', (SELECT count(*) FROM alignment.fx_rate)),
    ('account', (SELECT count(*) FROM alignment.account)),
    ('lead', (SELECT count(*) FROM alignment.lead)),
    ('stage_event', (SELECT count(*) FROM alignment.stage_event)),
    ('touch', (SELECT count(*) FROM alignment.touch)),
    ('activity', (SELECT count(*) FROM alignment.activity)),
    ('deal', (SELECT count(*) FROM alignment.deal))) AS r(t, n);
SQL

    # --- plain SQL and its checks --------------------------------------
    psql -X -q -d "$db" -v ON_ERROR_STOP=1 -v as_of="$as_of" \
        -f bench/plain.sql
    echo "checking the plain SQL against the extension"
    # icp_score against the CASE on every lead; against PL/pgSQL (a minute
    # at 1M) at the smallest size only
    if [ "$n" = "$smallest" ]; then
        plpgsql="bench.icp_score_plpgsql('$(echo "$icp" | tr -d '\n')', attributes)"
    else
        plpgsql="NULL::double precision"
    fi
    psql -X -q -At -F $'\t' -d "$db" -v ON_ERROR_STOP=1 >>"$all_checks" <<SQL
$settings
SELECT '$label', 'icp_score', count(*),
       count(*) FILTER (WHERE s IS DISTINCT FROM c
                        AND NOT abs(s - c) < 1e-9),
       count(*) FILTER (WHERE p IS NOT NULL AND s IS DISTINCT FROM p
                        AND NOT abs(s - p) < 1e-9),
       count(p)
FROM (SELECT alignment.icp_score('$(echo "$icp" | tr -d '\n')', attributes) AS s,
             bench.icp_score_case(attributes) AS c,
             $plpgsql AS p
      FROM alignment.lead) AS x;
SQL
    for v in $views; do
        cols=$(compare_columns "$v")
        psql -X -q -At -F $'\t' -d "$db" -v ON_ERROR_STOP=1 >>"$all_checks" <<SQL
$settings
SELECT '$label', '$v',
       (SELECT count(*) FROM alignment.$v),
       (SELECT count(*) FROM (SELECT $cols FROM alignment.$v
                              EXCEPT ALL
                              SELECT $cols FROM bench.plain_$v) AS a),
       (SELECT count(*) FROM (SELECT $cols FROM bench.plain_$v
                              EXCEPT ALL
                              SELECT $cols FROM alignment.$v) AS b);
SQL
    done

    # --- timing ----------------------------------------------------------
    mkdir -p "$out/plans_$label"
    ncases=$(wc -l <"$cases_file")
    # The checks above ran every query once: they are the warm-up.
    for r in $(seq 1 "$runs"); do
        echo "round $r of $runs ($ncases cases)"
        while IFS=$'\t' read -r name query; do
            res=$(run_case "$db" "$out/plans_$label/$name.txt" "$query")
            printf '%s\t%s\t%s\t%s\n' "$label" "$name" "$r" "$res" \
                >>"$all_times"
        done <"$cases_file"
    done

    if [ "$n" = "$smallest" ]; then
        echo "loading alignment.so in new connections"
        for i in $(seq "$runs"); do
            psql -X -q -d "$db" -c '\timing on' -c "LOAD 'alignment'" |
                awk '/^Time: / { print $2 }'
        done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' \
            >"$out/library_load_ms.txt"
        echo "the views once more with JIT on"
        for v in $views; do
            res=$(settings="$settings
SET jit = on;" run_case "$db" /dev/null "SELECT * FROM alignment.$v")
            printf '%s\t%s\t1\t%s\n' "$label" "jit_view_$v" "$res" \
                >>"$all_times"
        done
    fi

    if [ "$n" = "$biggest" ]; then
        echo "profiling the ICP queries and the two largest views"
        for name in icp_score icp_case view_mql_conversion \
            plain_mql_conversion view_alignment_matrix \
            plain_alignment_matrix; do
            query=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' \
                "$cases_file")
            profile_case "$db" "$name" "$query" \
                "$out/profile_${name}_$label.txt"
        done
    fi

    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    fi
done

# --- report --------------------------------------------------------------
finished=$(date +%s)
psql -X -q -At -d postgres -v ON_ERROR_STOP=1 \
    -v times="$all_times" -v gen="$all_gen" -v checks="$all_checks" \
    -v rows="$all_rows" -v runs="$runs" -v seed="$seed" \
    -v elapsed="$((finished - started))" -v jit="$jit" \
    -v profiles="$(ls "$out"/profile_*.txt 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')" \
    -v top_icp="$(cat "$out"/profile_icp_score_*.txt 2>/dev/null |
        awk '$1 ~ /%$/ && n < 3 { printf "%s%s %s", (n++ ? ", " : ""), $NF, $1 }')" \
    -v top_views="$(cat "$out"/profile_view_*.txt 2>/dev/null |
        awk '$1 ~ /%$/ { t[$NF] += $1 } END { for (k in t) printf "%.1f %s\n", t[k] / 2, k }' |
        sort -rn | awk 'n < 4 { printf "%s%s %s%%", (n++ ? ", " : ""), $2, $1 }')" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v library_load_ms="$(cat "$out/library_load_ms.txt" 2>/dev/null)" \
    -f bench/report.sql >"$out/RESULTS.md"
cat "$out/RESULTS.md"
