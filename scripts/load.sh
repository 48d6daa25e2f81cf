#!/usr/bin/env bash
# scripts/load.sh: load a data set into a database that has the alignment
# extension; the loader prints how many rows it added or changed per table.
#
#   scripts/load.sh DB DIR [LEADS]
#
# DIR is a folder of real data, recognised by its files:
#   Olist marketing funnel   marketing_qualified_leads.csv, closed_deals.csv
#   Maven CRM pipeline       accounts.csv, sales_teams.csv, sales_pipeline.csv
# "generated" is the synthetic data set of bench/generate.sql: LEADS leads
# (100000 by default) with their events, touches, activities and deals from
# 2024-01-01 to 2025-12-31, the same rows for the same ALIGNMENT_SEED (42),
# into a database that has no leads yet. LEADS does not apply to real data.
# The load runs in one
# transaction: when it fails the database is left as it was. Loading the
# same files again changes nothing. The connection comes from the usual PG*
# environment variables.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "load.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: load.sh DB DIR [LEADS]"
db=$1
dir=$2

if [ "$dir" = generated ]; then
    leads=${3:-100000}
    [[ $leads =~ ^[1-9][0-9]*$ ]] ||
        die "LEADS must be a positive whole number, not '$leads'"
    echo "generating $leads leads into $db"
    psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" -v leads="$leads" \
        -v seed="${ALIGNMENT_SEED:-42}" -f "$here/bench/generate.sql"
    exit 0
fi
[ -d "$dir" ] || die "no such folder: $dir"
path=$(cd "$dir" && pwd)

has_files() {
    local f
    for f in "$@"; do
        [ -f "$path/$f" ] || return 1
    done
}

if has_files marketing_qualified_leads.csv closed_deals.csv; then
    set=olist
elif has_files accounts.csv sales_teams.csv sales_pipeline.csv; then
    set=maven
else
    die "$dir holds neither the Olist marketing funnel (marketing_qualified_leads.csv, closed_deals.csv) nor the Maven CRM pipeline (accounts.csv, sales_teams.csv, sales_pipeline.csv)"
fi

echo "loading the $set data set from $dir into $db"
psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" -v data="$path" \
    -f "$here/load/$set.psql"

