#!/usr/bin/env bash
# KeyTable and SigningTable in files vs in PostgreSQL, with many signing domains: builds dkim-milter (Release) and the
# load generator (tests/Milter.Benchmarks, verb `load`), starts a private PostgreSQL cluster (initdb as the postgres
# user into a temporary directory, 127.0.0.1 on a free port), writes the same N domains both ways (KeyTable name kI
# -> dI.example.com:bench:KEYFILE, SigningTable dI.example.com -> kI, the domains sharing --keys RSA-2048 key files
# round-robin), and for each round and each backend (files, then the database; then the real OpenDKIM 2.11 on the
# same files and the same tables, through its ODBX dsn: support) starts a fresh daemon and:
#   1. warms its JIT up for --daemon-warmup seconds on one domain (example.com, in both tables; unmeasured);
#   2. "cold": N messages, the Ith from alice@dI.example.com, so every domain is looked up for the first time
#      (for the database: each a query; for the files: the same hash look-ups as ever);
#   3. "warm": the same N messages again (everything cached).
# OpenDKIM has no cache of its own for data sets (every message reads its tables again), so it gets one pass of
# --opendkim-messages distinct domains per round, reported as its cold and warm figure alike.
# Prints a table (messages/s, p50/p99 latency, daemon CPU per message, peak RSS, start-up time), the ratios
# database/files for warm and cold, and ours/OpenDKIM per backend, writes results.csv and summary.md into --out, and leaves nothing running (the
# daemons and PostgreSQL are stopped, the temporary directories removed). Run as root on Debian 12 (installs
# postgresql, opendkim and libopendbx1-pgsql with apt when missing). See docs/BENCHMARKS.md, "Tables in PostgreSQL
# vs files", and docs/SCALING.md.
#
# usage: tests/Milter.Benchmarks/compare-table-backends.sh [options]
#   --domains N          signing domains in each table (default 100000)
#   --keys K             distinct RSA-2048 key files the domains share (default 100)
#   --connections C      concurrent milter connections, one message each as Postfix sends it (default 16)
#   --rounds R           rounds, each starting both daemons afresh (default 2)
#   --daemon-warmup S    seconds of unmeasured signing on one domain after each start (default 10)
#   --cache-size N       DatabaseCacheSize (default 4 x domains: each domain caches its SigningTable row, the
#                        user@domain candidate found missing, and its KeyTable row, in two tables)
#   --rev REV            build dkim-milter from this git revision instead of the working tree
#   --out DIR            where results go (default artifacts/table-backends)
#   --opendkim-messages M  OpenDKIM's pass (default 20000, or N if smaller)
#   --no-opendkim        leave the real OpenDKIM out
#   --quick              10,000 domains, 1 round, 4 s warm-up (a smoke test, about 3 minutes)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOMAINS=100000
KEYS=100
CONNECTIONS=16
ROUNDS=2
DAEMON_WARMUP=10
CACHE_SIZE=""
REV=""
OUT="$ROOT/artifacts/table-backends"
BACKENDS="files pgsql opendkim-files opendkim-pgsql"
OPENDKIM_MESSAGES=20000
while (($#)); do
    case "$1" in
        --domains) DOMAINS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --daemon-warmup) DAEMON_WARMUP=$2; shift 2 ;;
        --cache-size) CACHE_SIZE=$2; shift 2 ;;
        --rev) REV=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --opendkim-messages) OPENDKIM_MESSAGES=$2; shift 2 ;;
        --no-opendkim) BACKENDS="files pgsql"; shift ;;
        --quick) DOMAINS=10000; ROUNDS=1; DAEMON_WARMUP=4; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
CACHE_SIZE=${CACHE_SIZE:-$((DOMAINS * 4))}
((OPENDKIM_MESSAGES <= DOMAINS)) || OPENDKIM_MESSAGES=$DOMAINS

if [[ $EUID -ne 0 ]]; then
    echo "run as root: PostgreSQL's initdb runs as the postgres user through runuser, and the peak-RSS reset writes /proc/PID/clear_refs" >&2
    exit 77
fi

# shellcheck source=lib/processes.sh
source "$ROOT/tests/Milter.Benchmarks/lib/processes.sh"
use_temporary_directory dkim-tables

# ---------------------------------------------------------------------------------------------------- PostgreSQL
# shellcheck source=lib/apt.sh
source "$ROOT/tests/Milter.Benchmarks/lib/apt.sh"
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "== installing postgresql"; apt_install postgresql; }
if [[ $BACKENDS == *opendkim* ]]; then
    [[ -x /usr/sbin/opendkim ]] || { echo "== installing opendkim"; apt_install opendkim; }
    dpkg-query -W -f '${Status}' libopendbx1-pgsql 2>/dev/null | grep -q 'ok installed' \
        || { echo "== installing libopendbx1-pgsql (OpenDKIM's dsn:pgsql backend)"; apt_install libopendbx1-pgsql; }
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# The cluster's directory belongs to postgres (the server refuses to run as root); it is stopped and removed on exit.
PG_DIR=$(mktemp -d /tmp/dkim-tables-pg.XXXXXX)
chown postgres:postgres "$PG_DIR"
stop_postgres() {
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
}
trap 'stop_postgres; cleanup' EXIT
PG_PORT=$(free_port)
echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 >"$TMP/initdb.log" 2>&1 \
    || { cat "$TMP/initdb.log" >&2; exit 1; }
# fsync off: the tables are written once; the look-ups measured are reads.
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql_bench() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

# ---------------------------------------------------------------------------------------------------- build
echo "== build (Release)"
build_daemon_and_load_generator "$ROOT" "$REV" || exit 1
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
OURS_BIN="$TMP/daemon/dkim-milter"

mkdir -p "$OUT"
CSV="$OUT/results.csv"
rm -f "$CSV"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "dkim-milter: $DAEMON_SOURCE"
    echo "postgresql: $("$PG_BIN/postgres" --version)"
    [[ $BACKENDS != *opendkim* ]] || echo "opendkim: $(dpkg-query -W -f '${Version}' opendkim), libopendbx1-pgsql $(dpkg-query -W -f '${Version}' libopendbx1-pgsql)"
    echo "nproc: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s\+/ /g')"
    # The floor of a signed message on this machine (machines here differ threefold in RSA speed).
    echo "openssl speed rsa2048, one core: $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}') signatures/s"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "tables: $DOMAINS domains sharing $KEYS RSA-2048 keys; $CONNECTIONS connections, one 300-byte message each; $ROUNDS round(s); DatabaseCacheSize $CACHE_SIZE"
} | tee "$OUT/machine.txt"

# ---------------------------------------------------------------------------------------------------- keys and tables
echo "== $KEYS keys, $DOMAINS domains"
mkdir -p "$TMP/keys" "$TMP/daemon-run"
for ((k = 0; k < KEYS; k++)); do
    openssl genrsa -out "$TMP/keys/key$k.private" 2048 2>/dev/null
done
chmod 600 "$TMP/keys/"*.private
# example.com (the JIT warm-up's sender) signs with key0 in both; then kI -> dI.example.com with key (I mod KEYS).
awk -v n="$DOMAINS" -v k="$KEYS" -v dir="$TMP/keys" 'BEGIN {
    print "kx example.com:bench:" dir "/key0.private"
    for (i = 0; i < n; i++) print "k" i " d" i ".example.com:bench:" dir "/key" (i % k) ".private"
}' >"$TMP/KeyTable"
awk -v n="$DOMAINS" 'BEGIN { print "example.com kx"; for (i = 0; i < n; i++) print "d" i ".example.com k" i }' >"$TMP/SigningTable"
printf '127.0.0.1\n' >"$TMP/InternalHosts"

psql_bench -d postgres -c "CREATE DATABASE bench"
psql_bench -d bench <<SQL
CREATE TABLE keys    (name text PRIMARY KEY, domain text NOT NULL, selector text NOT NULL, key text NOT NULL);
CREATE TABLE signing (pattern text PRIMARY KEY, keyname text NOT NULL);
INSERT INTO keys    VALUES ('kx', 'example.com', 'bench', '$TMP/keys/key0.private');
INSERT INTO signing VALUES ('example.com', 'kx');
INSERT INTO keys    SELECT 'k' || i, 'd' || i || '.example.com', 'bench', '$TMP/keys/key' || (i % $KEYS) || '.private'
                    FROM generate_series(0, $DOMAINS - 1) AS i;
INSERT INTO signing SELECT 'd' || i || '.example.com', 'k' || i FROM generate_series(0, $DOMAINS - 1) AS i;
ANALYZE;
SQL
echo "keys rows: $(psql_bench -d bench -At -c 'SELECT count(*) FROM keys'), signing rows: $(psql_bench -d bench -At -c 'SELECT count(*) FROM signing')"

# ---------------------------------------------------------------------------------------------------- daemon
DSN="pgsql://postgres@$PG_PORT+127.0.0.1/bench"
# config BACKEND PORT: the same settings for both daemons; opendkim-* backends are OpenDKIM's (no DatabaseCacheSize:
# it has no look-up cache of its own for data sets).
config() {
    local backend=$1 port=$2
    cat <<EOF
Syslog                  no
Background              no
Mode                    s
Canonicalization        relaxed/simple
InternalHosts           file:$TMP/InternalHosts
RequireSafeKeys         no
Socket                  inet:$port@127.0.0.1
PidFile                 $TMP/daemon-run/dkim-milter.pid
EOF
    if [[ $backend == *files ]]; then
        echo "KeyTable                file:$TMP/KeyTable"
        echo "SigningTable            file:$TMP/SigningTable"
    else
        echo "KeyTable                dsn:$DSN/table=keys?keycol=name?datacol=domain,selector,key"
        echo "SigningTable            dsn:$DSN/table=signing?keycol=pattern?datacol=keyname"
        [[ $backend == opendkim-* ]] || echo "DatabaseCacheSize       $CACHE_SIZE"
    fi
}

DAEMON_PID=""
DAEMON_PORT=""
START_SECONDS=""
start_daemon() {
    local backend=$1 started
    DAEMON_PORT=$(free_port)
    config "$backend" "$DAEMON_PORT" >"$TMP/daemon-run/$backend.conf"
    started=$(date +%s.%N)
    local program=$OURS_BIN
    [[ $backend != opendkim-* ]] || program=/usr/sbin/opendkim
    env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$program" -f -x "$TMP/daemon-run/$backend.conf" \
        >>"$TMP/daemon-run/$backend.log" 2>&1 &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
    for _ in $(seq 1200); do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            echo "$backend exited before listening:" >&2
            cat "$TMP/daemon-run/$backend.log" >&2
            exit 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$DAEMON_PORT") 2>/dev/null; then
            START_SECONDS=$(echo "$(date +%s.%N) - $started" | bc)
            return 0
        fi
        sleep 0.1
    done
    echo "$backend is not listening after 120 s" >&2
    exit 1
}

# pass BACKEND PHASE ROUND COUNT: COUNT messages from the first COUNT domains, one row in the CSV (label
# backend/phase/round/start-up time).
pass() {
    local backend=$1 phase=$2 round=$3 count=$4
    echo "== round $round, $backend, $phase: $count messages, $CONNECTIONS connections"
    "$LOAD" load --target "inet:$DAEMON_PORT@127.0.0.1" --mode sign --connections "$CONNECTIONS" --warmup 0 \
        --messages "$count" --sender-domains "$DOMAINS" --pid "$DAEMON_PID" --timeout 120 \
        --label "$backend/$phase/$round/start=$START_SECONDS" --csv "$CSV" | grep -E 'messages/s|errors|latency|CPU|RSS' || true
}

for round in $(seq "$ROUNDS"); do
    for backend in $BACKENDS; do
        start_daemon "$backend"
        echo "== round $round, $backend: listening after $START_SECONDS s; warming up on example.com for $DAEMON_WARMUP s"
        "$LOAD" load --target "inet:$DAEMON_PORT@127.0.0.1" --mode sign --connections "$CONNECTIONS" --warmup 0 \
            --duration "$DAEMON_WARMUP" | grep -E 'messages/s'
        if [[ $backend == opendkim-* ]]; then
            pass "$backend" cold "$round" "$OPENDKIM_MESSAGES"
        else
            pass "$backend" cold "$round" "$DOMAINS"
            pass "$backend" warm "$round" "$DOMAINS"
        fi
        stop_pid "$DAEMON_PID"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

# ---------------------------------------------------------------------------------------------------- report
python3 - "$CSV" "$OUT" "$DOMAINS" <<'PY'
import csv, statistics, sys
from collections import defaultdict

path, out, domains = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = defaultdict(list)
for r in csv.DictReader(open(path)):
    backend, phase, _round, start = r["label"].split("/")
    r["start_s"] = start.split("=")[1]
    rows[(backend, phase)].append(r)
    if backend.startswith("opendkim"):
        rows[(backend, "warm")].append(r)  # no cache: its one pass stands for both

def med(key, backend, phase):
    values = [float(r[key]) for r in rows[(backend, phase)] if r[key] not in ("", "nan")]
    return statistics.median(values) if values else float("nan")

lines = []
def say(text=""):
    print(text)
    lines.append(text)

rounds = max(len(v) for v in rows.values())
say(f"### {domains:,} signing domains, files vs PostgreSQL (median of {rounds} round(s))")
say()
say("| daemon | tables | pass | messages/s | p50 ms | p99 ms | daemon CPU ms/msg | peak RSS MB | errors | start-up s |")
say("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for backend in ("files", "pgsql", "opendkim-files", "opendkim-pgsql"):
    for phase in ("cold",) if backend.startswith("opendkim") else ("cold", "warm"):
        if not rows[(backend, phase)]:
            continue
        daemon, tables = ("OpenDKIM", backend.split("-")[1]) if backend.startswith("opendkim") else ("dkim-milter", backend)
        errors = sum(int(r["errors"]) for r in rows[(backend, phase)])
        say(f"| {daemon} | {tables} | {phase} | {med('messages_per_s', backend, phase):,.0f} | {med('p50_ms', backend, phase):.2f} "
            f"| {med('p99_ms', backend, phase):.2f} | {med('daemon_cpu_ms_per_message', backend, phase):.3f} "
            f"| {med('daemon_peak_rss_kb', backend, phase) / 1024:,.0f} | {errors} | {med('start_s', backend, phase):.1f} |")
say()

def ratio(a, b, phase):
    return med("messages_per_s", a, phase) / med("messages_per_s", b, phase)

warm, cold = ratio("pgsql", "files", "warm"), ratio("pgsql", "files", "cold")
extra_ms = med("daemon_cpu_ms_per_message", "pgsql", "cold") - med("daemon_cpu_ms_per_message", "pgsql", "warm")
say(f"- warm cache: PostgreSQL at **{warm:.0%}** of the files' throughput (goal: at least 80 %)")
say(f"- cold cache: PostgreSQL at **{cold:.0%}** of the files' throughput; each first look-up of a domain costs the daemon "
    f"{extra_ms:.3f} ms more CPU than a cached one (p50 latency {med('p50_ms', 'pgsql', 'cold'):.2f} ms cold vs "
    f"{med('p50_ms', 'pgsql', 'warm'):.2f} ms warm)")
for ours, theirs in (("files", "opendkim-files"), ("pgsql", "opendkim-pgsql")):
    if rows[(theirs, "warm")]:
        say(f"- {ours}: dkim-milter / OpenDKIM (which reads its tables for every message) **{ratio(ours, theirs, 'warm'):.2f}x** warm, "
            f"{ratio(ours, theirs, 'cold'):.2f}x cold")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
PY
echo "results: $OUT/results.csv, $OUT/summary.md"
