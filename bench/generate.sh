#!/usr/bin/env bash
# bench/generate.sh: generate the synthetic data set, one session per core.
#
#   bench/generate.sh DB LEADS [SEED]
#
# Runs the steps of bench/generate.sql: prepare (one transaction), then the
# leads split into GENERATE_JOBS contiguous ranges (default: the number of
# cores, at most 4), each in a session and transaction of its own, all at
# once; then the indexes and keys back (one session per job, each with its
# own tables), the foreign keys added NOT VALID, validated (one session per
# job again), and finish (identities, statistics, the stored facts).
# The rows are the same whatever the number of jobs. DB must be a new
# database with the extension (its lead table empty). Unlike
# "psql -1 -f bench/generate.sql", the steps are separate transactions:
# when one fails, DB is left half loaded, so drop it.
#
# Environment: GENERATE_JOBS; GENERATE_LOG=PREFIX writes each step's
# \timing output to PREFIX.<step>.log (bench.sh reads them);
# GENERATE_MEASURE_TRIGGER=1 also measures the freezing trigger's cost (see
# bench/trigger_cost.sql). The connection comes from the PG* variables.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

die() { echo "generate.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: generate.sh DB LEADS [SEED]"
db=$1
leads=$2
seed=${3:-42}
[[ $leads =~ ^[1-9][0-9]*$ ]] || die "LEADS must be a positive number: $leads"
[[ $seed =~ ^-?[0-9]+$ ]] || die "SEED must be an integer: $seed"

cores=$(nproc 2>/dev/null || echo 2)
jobs=${GENERATE_JOBS:-$((cores < 4 ? cores : 4))}
[ "$jobs" -ge 1 ] 2>/dev/null || die "GENERATE_JOBS must be a positive number"
[ "$jobs" -le "$leads" ] || jobs=$leads

extra=()
[ "${GENERATE_MEASURE_TRIGGER:-0}" = 1 ] && extra+=(-v measure_trigger=1)

# step NAME [psql options...]: one step in one transaction
# (its output goes to GENERATE_LOG's file, or a scratch one; the error, if
# any, is printed)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
step() {
    local name=$1 log
    shift
    log=$scratch/$name.log
    [ -n "${GENERATE_LOG:-}" ] && log=$GENERATE_LOG.$name.log
    PSQLRC=/dev/null psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" \
        -v leads="$leads" -v seed="$seed" "$@" \
        -c '\timing on' -f "$here/generate.sql" >"$log" 2>&1 ||
        { grep -E -A3 '(ERROR|FATAL|error):' "$log" >&2 ||
              tail -5 "$log" >&2
          return 1; }
}

echo "generating $leads leads (seed $seed) in $db, $jobs sessions"
step prepare -v step=prepare ||
    die "prepare failed; $db is unchanged"

pids=()
lo=1
for j in $(seq 1 "$jobs"); do
    hi=$(( leads * j / jobs ))
    step "leads$j" -v step=leads -v lo="$lo" -v hi="$hi" "${extra[@]}" &
    pids+=($!)
    lo=$((hi + 1))
done
failed=0
for p in "${pids[@]}"; do
    wait "$p" || failed=1
done
[ $failed -eq 0 ] ||
    die "a leads step failed; $db holds part of the data set: drop it"

# run_jobs STEP: the step in one session per job, all at once
run_jobs() {
    local name=$1 j p pids=() failed=0
    for j in $(seq 1 "$jobs"); do
        step "$name$j" -v step="$name" -v job=$((j - 1)) -v jobs="$jobs" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || failed=1
    done
    return $failed
}

run_jobs index ||
    die "the indexes or keys failed; $db holds the data without some of them: drop it"
step fk -v step=fk && run_jobs validate ||
    die "the foreign keys failed; $db holds the data without some of them: drop it"
step finish -v step=finish ||
    die "finishing failed (statistics, stored facts); drop $db"
