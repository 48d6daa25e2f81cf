#!/usr/bin/env bash
# scripts/load.sh: load a data set into a database that has the alignment
# extension; the loader prints how many rows it added or changed per table.
#
#   scripts/load.sh DB DIR [LEADS]
#
# DIR is a folder of real data, recognised by its files:
#   Olist marketing funnel   marketing_qualified_leads.csv, closed_deals.csv
#   Maven CRM pipeline       accounts.csv, sales_teams.csv, sales_pipeline.csv
# "generated" is reserved for a synthetic data set of LEADS leads (not
# available yet); LEADS does not apply to real data. The load runs in one
# transaction: when it fails the database is left as it was. Loading the
# same files again changes nothing. The connection comes from the usual PG*
# environment variables.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "load.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: load.sh DB DIR [LEADS]"
db=$1
dir=$2

[ "$dir" != generated ] ||
    die "the generated data set is not available yet; load a folder of real data such as ../shared/data/olist-marketing-funnel"
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

