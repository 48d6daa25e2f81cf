#!/usr/bin/env bash
# scripts/build-sql.sh: build the extension's SQL scripts from src/sql/.
#
# src/sql/*.sql holds the first release (0.1.0); each later release adds a
# folder src/sql/<version>/ whose files hold what that release adds or
# replaces. From them this script writes the base install script
# alignment--0.1.0.sql and one update script per release,
# alignment--<previous>--<version>.sql. CREATE EXTENSION at a later version
# runs the base script and then the chain, so a fresh install and an
# upgraded one are built by the same statements.
#
#   build-sql.sh --list   print the names of the scripts it writes
#   build-sql.sh          write them
set -euo pipefail
cd "$(dirname "$0")/.."

first=0.1.0
later=$(find src/sql -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' \
    -printf '%f\n' | sort -V)
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" alignment.control)
last=$(printf '%s\n' "$first" $later | tail -n 1)
if [ "$default" != "$last" ]; then
    echo "build-sql.sh: alignment.control says default_version '$default'" \
        "but the newest release in src/sql is '$last'" >&2
    exit 1
fi

names=("alignment--$first.sql")
prev=$first
for v in $later; do
    names+=("alignment--$prev--$v.sql")
    prev=$v
done

if [ "${1:-}" = --list ]; then
    echo "${names[@]}"
    exit 0
fi

cat src/sql/*.sql >"alignment--$first.sql"
prev=$first
for v in $later; do
    {
        echo "-- alignment $prev -> $v, built from src/sql/$v/*.sql"
        echo
        echo "\\echo Use \"ALTER EXTENSION alignment UPDATE TO '$v'\" to load this file. \\quit"
        echo
        cat "src/sql/$v"/*.sql
    } >"alignment--$prev--$v.sql"
    prev=$v
done
