#!/usr/bin/env bash
# Whole milter vs OpenDKIM: builds dkim-milter (Release) and the load generator (tests/Milter.Benchmarks, verb `load`),
# starts dkim-milter and the real OpenDKIM 2.11 side by side on free loopback ports with equivalent configurations
# (one RSA-2048 key, the same KeyTable/SigningTable, relaxed/simple, InternalHosts 127.0.0.1, the same loopback DNS
# server for verification), and runs the same loads against each, alternating (ours, theirs, ours, theirs):
#   - sign and verify, one message per connection as Postfix sends it, at each concurrency level, --rounds times;
#   - sign at 64 connections with milter_protocol 2 (the seed's setting);
#   - on freshly started daemons: a 50 MB message signed (peak RSS over idle), then 1,000 connections held open at
#     once (daemon RSS per idle connection), each then sending a message (errors).
# Prints a table with both daemons' figures and the ratio, writes results.csv (every run), summary.md (the tables)
# and throughput.png (gnuplot) into --out, and leaves nothing running: both daemons and the DNS server are killed
# by PID on exit and the temporary directory is removed. Run as root on Debian 12 (installs opendkim and
# gnuplot-nox with apt when missing). See docs/BENCHMARKS.md, "Whole milter vs OpenDKIM".
#
# usage: tests/Milter.Benchmarks/compare-with-opendkim.sh [options]
#   --levels "1 4 16 64 256"  concurrency levels (connections)
#   --rounds N               alternating rounds per level and mode (default 2)
#   --duration S             measured seconds per run (default 8)
#   --warmup S               unmeasured seconds before each run (default 2)
#   --daemon-warmup S        once, before the runs: each daemon gets S seconds of signing and of verifying at
#                            16 connections, unmeasured (default 10; dkim-milter's JIT needs that long)
#   --size BYTES             message size for the matrix (default 300)
#   --big-size BYTES         the large-message run (default 52428800, 50 MiB)
#   --held N                 connections held open at once (default 1000)
#   --rev REV                build dkim-milter from this git revision (git archive) instead of the working tree
#   --out DIR                where results go (default artifacts/opendkim-comparison)
#   --quick                  levels "1 16 64", 1 round, 4 s runs, 1 s warm-up (a smoke test, about 2 minutes)
#   --skip-matrix / --skip-memory   leave out a part
#   --replot DIR             only rebuild DIR/summary.md and DIR/throughput.png from DIR/results.csv (give the
#                            run's --size and --rounds too, for the labels)
#   --resolver-configuration  OpenDKIM reaches the DNS server through ResolverConfiguration (libunbound's
#                            forward-addr) instead of Nameservers: it then reads that file on every message
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LEVELS="1 4 16 64 256"
ROUNDS=2
DURATION=8
WARMUP=2
DAEMON_WARMUP=10
SIZE=300
BIG_SIZE=52428800
HELD=1000
REV=""
OUT="$ROOT/artifacts/opendkim-comparison"
MATRIX=1
MEMORY=1
RESOLVER_CONFIGURATION=0
REPLOT=""
while (($#)); do
    case "$1" in
        --levels) LEVELS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --daemon-warmup) DAEMON_WARMUP=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --big-size) BIG_SIZE=$2; shift 2 ;;
        --held) HELD=$2; shift 2 ;;
        --rev) REV=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --quick) LEVELS="1 16 64"; ROUNDS=1; DURATION=4; WARMUP=1; DAEMON_WARMUP=4; shift ;;
        --skip-matrix) MATRIX=0; shift ;;
        --skip-memory) MEMORY=0; shift ;;
        --resolver-configuration) RESOLVER_CONFIGURATION=1; shift ;;
        --replot) REPLOT=$2; OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

# ---------------------------------------------------------------------------------------------------- clean-up
# shellcheck source=lib/processes.sh
source "$ROOT/tests/Milter.Benchmarks/lib/processes.sh"
use_temporary_directory dkim-compare

# ---------------------------------------------------------------------------------------------------- tables and plot
# report: summary.md (and the console) from results.csv, throughput.dat and throughput.png, all in $OUT.
report() {
python3 - "$CSV" "$OUT" <<'PY'
import csv, os, statistics, sys
from collections import defaultdict

path, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(path)))
OURS, THEIRS = "dkim-milter", "opendkim"

def num(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return float("nan")

def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")

def fmt(value, digits=1):
    if value != value:
        return "—"
    return f"{value:,.{digits}f}"

def ratio(a, b):
    return a / b if b and a == a and b == b else float("nan")

lines = []
def say(text=""):
    print(text)
    lines.append(text)

groups = defaultdict(list)
for r in rows:
    if r["scenario"] == "throughput" and int(r["size"]) < 1_000_000:
        groups[(r["mode"], int(r["protocol"]), int(r["connections"]), r["label"])].append(r)

plot = defaultdict(dict)
for mode in ("sign", "verify"):
    levels = sorted({k[2] for k in groups if k[0] == mode and k[1] == 6})
    if not levels:
        continue
    say(f"### {mode}, milter_protocol 6 (median of {max(len(v) for k, v in groups.items() if k[0] == mode)} runs each)")
    say()
    say("| connections | dkim-milter msg/s | OpenDKIM msg/s | ratio | p50 ms ours / theirs | p99 ms ours / theirs | daemon CPU ms/msg ours / theirs | errors ours / theirs | other CPU s (max) |")
    say("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c in levels:
        o, t = groups.get((mode, 6, c, OURS), []), groups.get((mode, 6, c, THEIRS), [])
        ot, tt = med([num(r, "messages_per_s") for r in o]), med([num(r, "messages_per_s") for r in t])
        plot[mode][c] = (ot, tt)
        other = max([num(r, "other_cpu_s") for r in o + t] or [float("nan")])
        say(f"| {c} | {fmt(ot)} | {fmt(tt)} | **{fmt(ratio(ot, tt), 2)}** "
            f"| {fmt(med([num(r, 'p50_ms') for r in o]), 2)} / {fmt(med([num(r, 'p50_ms') for r in t]), 2)} "
            f"| {fmt(med([num(r, 'p99_ms') for r in o]), 2)} / {fmt(med([num(r, 'p99_ms') for r in t]), 2)} "
            f"| {fmt(med([num(r, 'daemon_cpu_ms_per_message') for r in o]), 3)} / {fmt(med([num(r, 'daemon_cpu_ms_per_message') for r in t]), 3)} "
            f"| {sum(int(r['errors']) for r in o)} / {sum(int(r['errors']) for r in t)} | {fmt(other, 1)} |")
    say()

extra = [k for k in groups if k[1] == 2]
if extra:
    say("### milter_protocol 2")
    say()
    say("| mode | connections | dkim-milter msg/s | OpenDKIM msg/s | ratio | daemon CPU ms/msg ours / theirs | errors ours / theirs |")
    say("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mode, c in sorted({(k[0], k[2]) for k in extra}):
        o, t = groups.get((mode, 2, c, OURS), []), groups.get((mode, 2, c, THEIRS), [])
        ot, tt = med([num(r, "messages_per_s") for r in o]), med([num(r, "messages_per_s") for r in t])
        say(f"| {mode} | {c} | {fmt(ot)} | {fmt(tt)} | **{fmt(ratio(ot, tt), 2)}** "
            f"| {fmt(med([num(r, 'daemon_cpu_ms_per_message') for r in o]), 3)} / {fmt(med([num(r, 'daemon_cpu_ms_per_message') for r in t]), 3)} "
            f"| {sum(int(r['errors']) for r in o)} / {sum(int(r['errors']) for r in t)} |")
    say()

big = [r for r in rows if r["scenario"] == "throughput" and int(r["size"]) >= 1_000_000]
held = [r for r in rows if r["scenario"] == "held"]
if big or held:
    say("### memory and many connections (freshly started daemons)")
    say()
    say("| run | daemon | messages | errors | RSS before kB | peak RSS kB | growth kB | per idle connection kB | threads after | time s |")
    say("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in big:
        say(f"| one {int(r['size']):,}-byte message signed | {r['label']} | {r['messages']} | {r['errors']} | {int(r['daemon_rss_before_kb']):,} "
            f"| {int(r['daemon_peak_rss_kb']):,} | **{int(r['daemon_peak_growth_kb']):,}** | | {r['daemon_threads_after']} | {fmt(num(r, 'seconds'), 2)} |")
    for r in held:
        say(f"| {r['connections']} connections held, then one message each | {r['label']} | {r['messages']} | **{r['errors']}** "
            f"| {int(r['daemon_rss_before_kb']):,} | {int(r['daemon_peak_rss_kb']):,} | {int(r['daemon_peak_growth_kb']):,} "
            f"| {fmt(num(r, 'idle_kb_per_connection'), 1)} | {r['daemon_threads_after']} | {fmt(num(r, 'seconds'), 2)} |")
    say()

def cell(mode, c, label, key, protocol=6):
    return med([num(r, key) for r in groups.get((mode, protocol, c, label), [])])

targets = []
def target(text, value, goal, met):
    targets.append(f"| {text} | {value} | {goal} | {'**met**' if met else '**not met**'} |")

if (("sign", 6, 64, OURS)) in groups:
    r = ratio(cell("sign", 64, OURS, "messages_per_s"), cell("sign", 64, THEIRS, "messages_per_s"))
    target("signing throughput at 64 connections, ours / OpenDKIM", f"{fmt(r, 2)}×", "≥ 3×", r >= 3)
if (("verify", 6, 64, OURS)) in groups:
    r = ratio(cell("verify", 64, OURS, "messages_per_s"), cell("verify", 64, THEIRS, "messages_per_s"))
    target("verification throughput at 64 connections, ours / OpenDKIM", f"{fmt(r, 2)}×", "≥ 3×", r >= 3)
sign_levels = sorted(k[2] for k in groups if k[0] == "sign" and k[1] == 6 and k[3] == OURS)
if sign_levels:
    cpu = {c: cell("sign", c, OURS, "daemon_cpu_ms_per_message") for c in sign_levels}
    at = 64 if 64 in cpu else max(cpu)
    target("daemon CPU per signed message (ours; by connections: " + ", ".join(f"{c}: {fmt(v, 3)}" for c, v in cpu.items()) + ")",
           f"{fmt(cpu[at], 3)} ms at {at} connections", "≤ 0.5 ms", cpu[at] <= 0.5)
if 1 in sign_levels:
    p50 = cell("sign", 1, OURS, "p50_ms")
    target("one TCP connection, p50 per signed message (connection to end-of-message reply)", f"{fmt(p50, 3)} ms (OpenDKIM {fmt(cell('sign', 1, THEIRS, 'p50_ms'), 1)} ms)", "≤ 1 ms", p50 <= 1)
for r in big:
    if r["label"] == OURS:
        growth = int(r["daemon_peak_growth_kb"]) / 1024
        target(f"one {int(r['size']) / 1048576:.0f} MiB message signed, peak RSS over idle", f"+{growth:.1f} MiB", "≤ 32 MiB", growth <= 32 and int(r["errors"]) == 0)
for r in held:
    if r["label"] == OURS:
        target(f"{r['connections']} concurrent connections served", f"{r['messages']} messages, {r['errors']} errors; {fmt(num(r, 'idle_kb_per_connection'), 1)} kB RSS per idle connection",
               "no errors", int(r["errors"]) == 0 and int(r["messages"]) == int(r["connections"]))
if targets:
    say("### targets (issue 7)")
    say()
    say("| target | measured | goal | |")
    say("| --- | --- | --- | --- |")
    for t in targets:
        say(t)
    say()

crashes = f"{out}/crashes.txt"
if os.path.exists(crashes):
    say("**A daemon died during the runs** (crashes.txt):")
    say()
    for line in open(crashes):
        say("    " + line.rstrip())
    say()

open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
with open(f"{out}/throughput.dat", "w") as data:
    data.write("# connections sign_ours sign_opendkim verify_ours verify_opendkim\n")
    for c in sorted(set(plot.get("sign", {})) | set(plot.get("verify", {}))):
        s = plot.get("sign", {}).get(c, (float("nan"),) * 2)
        v = plot.get("verify", {}).get(c, (float("nan"),) * 2)
        data.write(f"{c} {s[0]:.1f} {s[1]:.1f} {v[0]:.1f} {v[1]:.1f}\n".replace("nan", "NaN"))
PY

if [[ -s $OUT/throughput.dat ]] && (($(grep -vc '^#' "$OUT/throughput.dat") > 0)); then
    gnuplot <<EOF
set terminal pngcairo size 900,560 font "DejaVu Sans,11"
set output "$OUT/throughput.png"
set title "Whole milter, RSA-2048, $SIZE-byte messages, one per connection\n$(nproc) cores shared with the load generator, $(date -u +%Y-%m-%d)"
set xlabel "concurrent milter connections"
set ylabel "messages per second (median of $ROUNDS)"
set logscale x 2
set xtics (1, 4, 16, 64, 256, 1024)
set xrange [0.8:320]
set yrange [0:*]
set grid
set key top left
set datafile missing "NaN"
plot "$OUT/throughput.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "dkim-milter, sign", \
     "" using 1:3 with linespoints lw 2 pt 5 lc rgb "#d62728" title "OpenDKIM 2.11, sign", \
     "" using 1:4 with linespoints lw 2 pt 7 dt 2 lc rgb "#1f77b4" title "dkim-milter, verify", \
     "" using 1:5 with linespoints lw 2 pt 5 dt 2 lc rgb "#d62728" title "OpenDKIM 2.11, verify"
EOF
    echo "plot: $OUT/throughput.png"
fi
}

if [[ -n $REPLOT ]]; then
    CSV="$OUT/results.csv"
    [[ -s $CSV ]] || { echo "no $CSV" >&2; exit 66; }
    report
    exit 0
fi

# ---------------------------------------------------------------------------------------------------- tools
if [[ $EUID -ne 0 ]]; then
    echo "run as root: OpenDKIM runs as root here, and the peak-RSS reset writes /proc/PID/clear_refs" >&2
    exit 77
fi

# shellcheck source=lib/apt.sh
source "$ROOT/tests/Milter.Benchmarks/lib/apt.sh"
command -v /usr/sbin/opendkim >/dev/null || { echo "== installing opendkim"; apt_install opendkim opendkim-tools; }
command -v gnuplot >/dev/null || { echo "== installing gnuplot-nox"; apt_install gnuplot-nox; }
command -v python3 >/dev/null || { echo "== installing python3"; apt_install python3; }

# 1,000 held connections need more than the usual 1,024 descriptors, in the load generator and in both daemons.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------------------------------------------- build
echo "== build (Release)"
build_daemon_and_load_generator "$ROOT" "$REV" || exit 1
# The load generator shares the two cores with the daemon under test: socket continuations run on its epoll thread
# instead of hopping to the thread pool, which costs it about a quarter less CPU per message and keeps it to
# about one core (the same for both daemons). The daemons themselves are started without this variable (see
# start_ours): they run as installed, and dkim-milter turns the same setting on for itself.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
OURS_BIN="$TMP/daemon/dkim-milter"
THEIRS_BIN=/usr/sbin/opendkim

# ---------------------------------------------------------------------------------------------------- machine
mkdir -p "$OUT"
CSV="$OUT/results.csv"
rm -f "$CSV" "$OUT/crashes.txt" "$OUT/check.txt"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "dkim-milter: $DAEMON_SOURCE"
    echo "opendkim: $(dpkg-query -W -f '${Version}' opendkim 2>/dev/null || echo '?') ($THEIRS_BIN)"
    echo "nproc: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s\+/ /g')"
    echo "kernel: $(uname -r); dotnet: $(dotnet --version); $(openssl version)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "loads: $SIZE-byte messages, one per connection, ${WARMUP} s warm-up + ${DURATION} s measured per run, $ROUNDS round(s), levels $LEVELS; ${DAEMON_WARMUP} s of each mode first"
} | tee "$OUT/machine.txt"

# ---------------------------------------------------------------------------------------------------- key, DNS, configuration
mkdir -p "$TMP/keys" "$TMP/ours" "$TMP/theirs"
openssl genrsa -out "$TMP/keys/bench.private" 2048 2>/dev/null
chmod 600 "$TMP/keys/bench.private"
printf 'bench-key example.com:bench:%s\n' "$TMP/keys/bench.private" >"$TMP/KeyTable"
printf '*@example.com bench-key\n' >"$TMP/SigningTable"
printf '127.0.0.1\n' >"$TMP/InternalHosts"

# The key record for verification comes from a DNS server of the load generator's on a loopback address, port 53:
# both daemons are given `Nameservers ADDRESS`, since OpenDKIM's Nameservers takes no port. (OpenDKIM can be sent to
# another port through ResolverConfiguration and libunbound's forward-addr, as the integration tests do, but then it
# parses that file on every message, and concurrently: it crashed at 16 connections. --resolver-configuration
# does that anyway.)
start_dns_server "$LOAD" "$TMP/keys/bench.private" bench._domainkey.example.net || exit 1


# What both daemons share. RequireSafeKeys no: the key lives under /tmp (world-writable, sticky), which OpenDKIM's
# check refuses per message and ours at start-up.
common_config() {
    cat <<EOF
Syslog                  no
Background              no
Mode                    sv
Canonicalization        relaxed/simple
SignatureAlgorithm      rsa-sha256
KeyTable                file:$TMP/KeyTable
SigningTable            refile:$TMP/SigningTable
InternalHosts           file:$TMP/InternalHosts
AuthservID              bench.example
RequireSafeKeys         no
DNSTimeout              5
EOF
}

OURS_PORT=""
THEIRS_PORT=""
OURS_PID=""
THEIRS_PID=""

wait_listening() {
    local name=$1 pid=$2 port=$3 log=$4
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited before listening:" >&2
            cat "$log" >&2
            exit 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "$name is not listening on $port after 30 s:" >&2
    cat "$log" >&2
    exit 1
}

start_ours() {
    OURS_PORT=$(free_port)
    {
        common_config
        echo "Socket                  inet:$OURS_PORT@127.0.0.1"
        echo "PidFile                 $TMP/ours/dkim-milter.pid"
        echo "Nameservers             $DNS_ADDRESS"
    } >"$TMP/ours/opendkim.conf"
    env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$OURS_BIN" -f -x "$TMP/ours/opendkim.conf" >>"$TMP/ours/log" 2>&1 &
    OURS_PID=$!
    PIDS+=("$OURS_PID")
    wait_listening dkim-milter "$OURS_PID" "$OURS_PORT" "$TMP/ours/log"
}

start_theirs() {
    THEIRS_PORT=$(free_port)
    {
        common_config
        echo "Socket                  inet:$THEIRS_PORT@127.0.0.1"
        echo "PidFile                 $TMP/theirs/opendkim.pid"
        if ((RESOLVER_CONFIGURATION)); then
            printf 'server:\n do-not-query-localhost: no\nforward-zone:\n name: "."\n forward-addr: %s@53\n' "$DNS_ADDRESS" \
                >"$TMP/theirs/unbound.conf"
            echo "ResolverConfiguration   $TMP/theirs/unbound.conf"
        else
            echo "Nameservers             $DNS_ADDRESS"
        fi
    } >"$TMP/theirs/opendkim.conf"
    env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$THEIRS_BIN" -f -x "$TMP/theirs/opendkim.conf" >>"$TMP/theirs/log" 2>&1 &
    THEIRS_PID=$!
    PIDS+=("$THEIRS_PID")
    wait_listening opendkim "$THEIRS_PID" "$THEIRS_PORT" "$TMP/theirs/log"
}

# load NAME ARGS...: one run of the load generator against NAME (dkim-milter or opendkim), row appended to the CSV.
# A daemon that dies during a run is reported (crashes.txt), and started again for the next run.
load() {
    local name=$1 port pid status=0 exit_status=0
    shift
    if [[ $name == dkim-milter ]]; then port=$OURS_PORT; pid=$OURS_PID; else port=$THEIRS_PORT; pid=$THEIRS_PID; fi
    "$LOAD" load --target "inet:$port@127.0.0.1" --pid "$pid" --label "$name" --key "$TMP/keys/bench.private" \
        --csv "$CSV" "$@" || status=$?
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || exit_status=$?
        forget_pid "$pid"
        {
            echo "$name (pid $pid) died during: load $* (its exit status $exit_status); its last output:"
            tail -5 "$TMP/$([[ $name == dkim-milter ]] && echo ours || echo theirs)/log"
        } | tee -a "$OUT/crashes.txt" >&2
        if [[ $name == dkim-milter ]]; then start_ours; else start_theirs; fi
    elif ((status != 0)); then
        echo "the load generator failed ($status)" >&2
        exit "$status"
    fi
}

echo "== starting dkim-milter and opendkim"
start_ours
start_theirs
echo "dkim-milter pid $OURS_PID on 127.0.0.1:$OURS_PORT; opendkim pid $THEIRS_PID on 127.0.0.1:$THEIRS_PORT; DNS on $DNS_ADDRESS:53"

echo "== one message each, as a check (what each daemon adds)"
for mode in sign verify; do
    for name in dkim-milter opendkim; do
        if [[ $name == dkim-milter ]]; then port=$OURS_PORT; else port=$THEIRS_PORT; fi
        echo "-- $name, $mode"
        "$LOAD" load --target "inet:$port@127.0.0.1" --mode "$mode" --key "$TMP/keys/bench.private" --check-only \
            | tee -a "$OUT/check.txt" | grep -vE '^negotiated' | cut -c1-200
    done
done

# ---------------------------------------------------------------------------------------------------- matrix
if ((MATRIX)); then
    # dkim-milter's JIT needs several seconds of load to reach its steady state (measured: 64 connections signed at
    # 1,800/s after a 2 s warm-up, 2,430/s after 10 s), so both daemons get DAEMON_WARMUP seconds of each mode once.
    for mode in sign verify; do
        for name in dkim-milter opendkim; do
            if [[ $name == dkim-milter ]]; then port=$OURS_PORT; else port=$THEIRS_PORT; fi
            echo "== warming $name up: $mode, 16 connections, $DAEMON_WARMUP s"
            "$LOAD" load --target "inet:$port@127.0.0.1" --mode "$mode" --key "$TMP/keys/bench.private" --connections 16 \
                --warmup 0 --duration "$DAEMON_WARMUP" | grep -E 'messages/s'
        done
    done
    for mode in sign verify; do
        for c in $LEVELS; do
            for round in $(seq "$ROUNDS"); do
                for name in dkim-milter opendkim; do
                    echo "== $mode, $c connections, round $round: $name"
                    load "$name" --mode "$mode" --connections "$c" --duration "$DURATION" --warmup "$WARMUP" --size "$SIZE"
                done
            done
        done
    done
    for name in dkim-milter opendkim; do
        echo "== sign, 64 connections, milter_protocol 2: $name"
        load "$name" --mode sign --connections 64 --protocol 2 --duration "$DURATION" --warmup "$WARMUP" --size "$SIZE"
    done
fi

# ---------------------------------------------------------------------------------------------------- memory, many connections
if ((MEMORY)); then
    echo "== restarting both daemons for the memory runs"
    stop_pid "$OURS_PID"
    stop_pid "$THEIRS_PID"
    start_ours
    start_theirs
    for name in dkim-milter opendkim; do
        echo "== $name: 20 small messages (warm), then one $BIG_SIZE-byte message signed"
        "$LOAD" load --target "inet:$([[ $name == dkim-milter ]] && echo "$OURS_PORT" || echo "$THEIRS_PORT")@127.0.0.1" \
            --mode sign --messages 20 --warmup 0 >/dev/null
        sleep 2
        load "$name" --mode sign --connections 1 --messages 1 --warmup 0 --size "$BIG_SIZE" --timeout 300
    done
    for name in dkim-milter opendkim; do
        echo "== $name: $HELD connections held open, then one signed message on each"
        load "$name" --mode sign --scenario held --connections "$HELD" --warmup 0 --settle 3 --timeout 120
    done
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

report

stop_pid "$DNS_PID"
echo "== DNS server: $(tail -1 "$TMP/dns.log")"
echo "results: $OUT/results.csv, $OUT/summary.md"
