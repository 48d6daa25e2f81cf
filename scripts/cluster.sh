#!/usr/bin/env bash
# scripts/cluster.sh: the throwaway PostgreSQL 15 cluster behind "make demo"
# and "make test".
#
#   cluster.sh deps            apt-get what is missing
#   cluster.sh start           initdb (once) and start the cluster
#   cluster.sh stop            stop it
#   cluster.sh env             print PGHOST/PGPORT/PGUSER exports
#   cluster.sh demo DIR LEADS  load a data set and print the metrics
#   cluster.sh test            run pg_regress and pg_prove
#
# The cluster runs as the postgres OS user (initdb refuses root) in
# .pgcluster/ under the project when that user can reach it, and otherwise
# in a folder of its own under /tmp. It listens only on a Unix socket in
# that folder, on a port no other server uses. The system cluster is never
# touched.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

die() { echo "cluster.sh: $*" >&2; exit 1; }

# --- packages ----------------------------------------------------------

deps() {
    local missing=()
    [ -x "$PGBIN/postgres" ] || missing+=(postgresql-15)
    # the headers, not pgxs.mk: Debian's postgresql-client-15 ships pgxs.mk
    # too, so a machine can have it without the server's headers
    [ -f /usr/include/postgresql/15/server/postgres.h ] ||
        missing+=(postgresql-server-dev-15)
    [ -f /usr/share/postgresql/15/extension/pgtap.control ] ||
        missing+=(postgresql-15-pgtap)
    command -v pg_prove >/dev/null ||
        missing+=(libtap-parser-sourcehandler-pgtap-perl)
    [ -f /usr/share/postgresql/15/extension/pg_cron.control ] ||
        missing+=(postgresql-15-cron)
    command -v gcc >/dev/null || missing+=(gcc)
    command -v runuser >/dev/null || missing+=(util-linux)
    [ ${#missing[@]} -eq 0 ] && return 0

    [ "$(id -u)" -eq 0 ] ||
        die "missing packages (${missing[*]}); run as root to install them"
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- where the cluster lives --------------------------------------------

cluster_dir() {
    if runuser -u postgres -- test -x "$here" 2>/dev/null; then
        echo "$here/.pgcluster"
    else
        echo "/tmp/alignment-cluster-$(echo "$here" | md5sum | cut -c1-10)"
    fi
}

DIR=$(cluster_dir)
PGDATA_DIR="$DIR/data"
PORTFILE="$DIR/port"

# Run as the postgres user from /, which that user can always enter.
as_pg() { (cd / && runuser -u postgres -- "$@"); }

port_in_use() {
    local p=$1
    [ -e "/tmp/.s.PGSQL.$p" ] || [ -e "/var/run/postgresql/.s.PGSQL.$p" ] &&
        return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    return 1
}

free_port() {
    local p
    for p in $(seq 54320 54400); do
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free port between 54320 and 54400"
}

running() {
    [ -f "$PGDATA_DIR/postmaster.pid" ] &&
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

# The server's settings: Unix socket only, pg_cron preloaded (its jobs run
# in background workers, as there is no TCP listener to connect to).
settings() {
    cat <<CONF
listen_addresses = ''
port = $1
unix_socket_directories = '$DIR'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
log_min_messages = warning
CONF
}

start() {
    mkdir -p "$DIR"
    chown postgres: "$DIR"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres \
            --auth-local=trust --auth-host=reject -E UTF8 \
            --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
            { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    # A cluster started with other settings (an older checkout of this
    # script) is restarted on its port, so every run gets the same server.
    if running; then
        [ "$(settings "$(cat "$PORTFILE")")" = \
          "$(cat "$PGDATA_DIR/postgresql.auto.conf")" ] && return 0
        echo "restarting the cluster with new settings"
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    else
        free_port >"$PORTFILE"
    fi
    local port
    port=$(cat "$PORTFILE")
    settings "$port" >"$PGDATA_DIR/postgresql.auto.conf"
    chown postgres: "$PGDATA_DIR/postgresql.auto.conf"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$DIR/server.log" -w -t 60 \
        start >/dev/null ||
        { tail -20 "$DIR/server.log" >&2; die "the server did not start"; }
    echo "cluster running: socket $DIR, port $port"
}

stop() {
    if running; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
        echo "cluster stopped"
    else
        echo "no cluster running"
    fi
}

env_exports() {
    [ -f "$PORTFILE" ] || die "no cluster: run 'make demo' or 'make test'"
    echo "export PGHOST='$DIR' PGPORT='$(cat "$PORTFILE")' PGUSER=postgres"
}

use_cluster() {
    running || die "the cluster is not running"
    eval "$(env_exports)"
    export PSQLRC=/dev/null
}

# --- demo ----------------------------------------------------------------

demo() {
    local data=${1:-../shared/data/olist-marketing-funnel} leads=${2:-100000}
    use_cluster
    local db=alignment_demo
    psql -q -X -d postgres -v ON_ERROR_STOP=1 \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "CREATE DATABASE $db"
    psql -q -X -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION alignment"
    scripts/load.sh "$db" "$data" "$leads"
    psql -X -d "$db" -v ON_ERROR_STOP=1 -f scripts/demo.sql
    echo
    echo "The demo database is still running. Connect with:"
    echo "  psql -h $PGHOST -p $PGPORT -U postgres $db"
    echo "Stop it with: make stop"
}

# --- tests ---------------------------------------------------------------

test_all() {
    use_cluster
    export ALIGNMENT_DATA
    ALIGNMENT_DATA=$(cd "$here/../shared/data" 2>/dev/null && pwd) ||
        die "../shared/data is missing: the tests read the real data there"

    local rc_regress=0 rc_tap=0 out
    echo "== pg_regress and pg_isolation_regress"
    out=$(mktemp)
    # The regression tests and the isolation tests by two makes: in one
    # "make installcheck" a failing pg_regress stops make before the
    # isolation tests run, and they would go uncounted.
    make -s installcheck ISOLATION= 2>&1 | tee "$out" || rc_regress=$?
    make -s installcheck REGRESS= 2>&1 | tee -a "$out" || rc_regress=$?
    grep -q 'tests passed' "$out" || rc_regress=1
    if [ $rc_regress -ne 0 ]; then
        [ -f regression.diffs ] && head -200 regression.diffs
        [ -f output_iso/regression.diffs ] &&
            head -200 output_iso/regression.diffs
    fi
    local regress_total regress_failed
    regress_total=$(grep -cE '^(ok|not ok) ' "$out" || true)
    regress_failed=$(grep -cE '^not ok ' "$out" || true)
    if [ "$regress_total" -eq 0 ]; then
        regress_total=$(grep -cE '\.\.\. (ok|FAILED|failed)' "$out" || true)
        regress_failed=$(grep -cE '\.\.\. (FAILED|failed)' "$out" || true)
    fi
    rm -f "$out"

    echo "== pg_prove"
    local db=alignment_tap
    psql -q -X -d postgres -v ON_ERROR_STOP=1 \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "CREATE DATABASE $db"
    psql -q -X -d "$db" -v ON_ERROR_STOP=1 \
        -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION alignment"
    out=$(mktemp)
    pg_prove -d "$db" test/*.sql 2>&1 | tee "$out" || rc_tap=$?
    local tap_total tap_failed
    tap_total=$(sed -n 's/.*Tests=\([0-9]*\).*/\1/p' "$out" | tail -1)
    tap_failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$out" |
        awk '{ s += $1 } END { print s + 0 }')
    rm -f "$out"

    local total=$(( regress_total + ${tap_total:-0} ))
    local failed=$(( regress_failed + tap_failed ))
    if [ $rc_regress -ne 0 ] || [ $rc_tap -ne 0 ]; then
        [ $failed -gt 0 ] || failed=1
    fi
    echo
    echo "make test: $(( total - failed )) passed, $failed failed"
    [ $rc_regress -eq 0 ] && [ $rc_tap -eq 0 ]
}

case "${1:-}" in
    deps) deps ;;
    start) start ;;
    stop) stop ;;
    env) env_exports ;;
    demo) shift; demo "$@" ;;
    test) test_all ;;
    *) die "usage: cluster.sh deps|start|stop|env|demo DIR LEADS|test" ;;
esac
