#!/usr/bin/env bash
# Soak: sends --messages messages (default 1,000,000) through one dkim-milter process and samples its memory.
# The messages go in chunks of --chunk (default 10,000), each chunk a run of the load generator (tests/Milter.Benchmarks,
# verb `load`) with a different shape, in turn:
#   sign, 16 connections, one message per connection (how Postfix's smtpd sends);
#   verify, 16 connections (key from a loopback DNS server of the load generator's, cached by the daemon);
#   sign, 8 connections, 5 messages per connection (several messages in one SMTP session);
#   sign, 4 connections, 20 kB messages (several body chunks).
# After every chunk the daemon's RSS (VmRSS), open descriptors (/proc/PID/fd) and threads are recorded with the
# total of messages sent so far. Prints a summary (RSS after warm-up: min, max, spread; descriptors; errors) and
# writes samples.csv, chunks.csv (the load generator's rows), soak.png (gnuplot) and summary.md into --out.
# Leaves nothing running (daemon and DNS server killed by PID; temporary directory removed). Run as root on Debian 12:
# the DNS server listens on a loopback address, port 53, and the peak-RSS reset writes /proc/PID/clear_refs.
#
# usage: tests/Milter.Benchmarks/soak.sh [--messages N] [--chunk N] [--warmup-messages N] [--out DIR] [--rev REV]
#   --warmup-messages N   the samples before this many messages are the warm-up, left out of the flatness figure
#                         (default 100,000)
#   --rev REV             build dkim-milter from this git revision (git archive) instead of the working tree
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MESSAGES=1000000
CHUNK=10000
WARMUP_MESSAGES=100000
OUT="$ROOT/artifacts/soak"
REV=""
while (($#)); do
    case "$1" in
        --messages) MESSAGES=$2; shift 2 ;;
        --chunk) CHUNK=$2; shift 2 ;;
        --warmup-messages) WARMUP_MESSAGES=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --rev) REV=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
if [[ $EUID -ne 0 ]]; then
    echo "run as root (DNS server on port 53, /proc/PID/clear_refs)" >&2
    exit 77
fi

# shellcheck source=lib/processes.sh
source "$ROOT/tests/Milter.Benchmarks/lib/processes.sh"
use_temporary_directory dkim-soak

command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null

echo "== build (Release)"
build_daemon_and_load_generator "$ROOT" "$REV" || exit 1

mkdir -p "$TMP/keys" "$OUT"
openssl genrsa -out "$TMP/keys/soak.private" 2048 2>/dev/null
chmod 600 "$TMP/keys/soak.private"
printf 'soak-key example.com:soak:%s\n' "$TMP/keys/soak.private" >"$TMP/KeyTable"
printf '*@example.com soak-key\n' >"$TMP/SigningTable"
printf '127.0.0.1\n' >"$TMP/InternalHosts"

# The verify messages carry d=example.net, s=soak; the key record comes from the load generator's DNS server.
start_dns_server "$LOAD" "$TMP/keys/soak.private" soak._domainkey.example.net || exit 1

PORT=$(free_port)
cat >"$TMP/opendkim.conf" <<EOF
Syslog                  no
Background              no
Mode                    sv
Canonicalization        relaxed/simple
KeyTable                file:$TMP/KeyTable
SigningTable            refile:$TMP/SigningTable
InternalHosts           file:$TMP/InternalHosts
AuthservID              soak.example
RequireSafeKeys         no
Nameservers             $DNS_ADDRESS
Socket                  inet:$PORT@127.0.0.1
EOF
# The load generator runs its socket continuations inline (less of the 2 cores for it); the daemon runs as installed.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$TMP/daemon/dkim-milter" -f -x "$TMP/opendkim.conf" >"$TMP/daemon.log" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$TMP/daemon.log" >&2; exit 1; }
    sleep 0.1
done

SAMPLES="$OUT/samples.csv"
CHUNKS="$OUT/chunks.csv"
rm -f "$SAMPLES" "$CHUNKS"
sample() { # sample MESSAGES-SO-FAR
    local rss threads fds
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status")
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$DAEMON_PID/status")
    fds=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
    echo "$1,$(date +%s),$rss,$fds,$threads" >>"$SAMPLES"
}
echo "messages,unix_time,rss_kb,open_fds,threads" >"$SAMPLES"
sample 0
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); dkim-milter: $DAEMON_SOURCE; nproc: $(nproc); dotnet: $(dotnet --version)"
    echo "messages: $MESSAGES in chunks of $CHUNK; warm-up: first $WARMUP_MESSAGES"
} | tee "$OUT/machine.txt"

shapes=(
    "--mode sign --connections 16"
    "--mode verify --connections 16"
    "--mode sign --connections 8 --messages-per-connection 5"
    "--mode sign --connections 4 --size 20000"
)
sent=0 chunk=0 started=$(date +%s)
while ((sent < MESSAGES)); do
    n=$((MESSAGES - sent < CHUNK ? MESSAGES - sent : CHUNK))
    shape=${shapes[chunk % ${#shapes[@]}]}
    # shellcheck disable=SC2086 # the shape is a list of arguments
    "$LOAD" load --target "inet:$PORT@127.0.0.1" --pid "$DAEMON_PID" --label dkim-milter --key "$TMP/keys/soak.private" \
        --selector soak --messages "$n" --warmup 0 --csv "$CHUNKS" $shape >"$TMP/chunk.log" 2>&1 \
        || { cat "$TMP/chunk.log" >&2; echo "chunk $chunk failed" >&2; exit 1; }
    kill -0 "$DAEMON_PID" 2>/dev/null || { echo "the daemon died:" >&2; tail -20 "$TMP/daemon.log" >&2; exit 1; }
    sent=$((sent + n))
    chunk=$((chunk + 1))
    sample "$sent"
    if ((chunk % 10 == 0)); then
        echo "$(date -u +%H:%M:%S) $sent messages, RSS $(tail -1 "$SAMPLES" | cut -d, -f3) kB, $(($(date +%s) - started)) s"
    fi
done

python3 - "$SAMPLES" "$CHUNKS" "$WARMUP_MESSAGES" "$OUT/summary.md" <<'PY'
import csv, sys
samples = list(csv.DictReader(open(sys.argv[1])))
chunks = list(csv.DictReader(open(sys.argv[2])))
warmup = int(sys.argv[3])
after = [s for s in samples if int(s["messages"]) >= warmup]
rss = [int(s["rss_kb"]) for s in after]
fds = [int(s["open_fds"]) for s in samples]
errors = sum(int(float(c.get("errors", 0) or 0)) for c in chunks)
sent = int(samples[-1]["messages"])
seconds = int(samples[-1]["unix_time"]) - int(samples[0]["unix_time"])
lo, hi = min(rss), max(rss)
lines = [
    f"| messages | time | errors | RSS after {warmup:,} messages: min / max / spread | open descriptors min / max | threads at end |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    f"| {sent:,} | {seconds} s | {errors} | {lo:,} / {hi:,} kB / {100 * (hi - lo) / lo:.1f} % | {min(fds)} / {max(fds)} | {samples[-1]['threads']} |",
]
open(sys.argv[4], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

gnuplot <<EOF
set terminal pngcairo size 900,520 font "DejaVu Sans,11"
set output "$OUT/soak.png"
set title "dkim-milter soak: $(python3 -c "print(f'{$MESSAGES:,}')") messages (sign, verify, 5 per connection, 20 kB), $(date -u +%Y-%m-%d)"
set datafile separator ","
set xlabel "messages sent (thousands)"
set ylabel "daemon RSS (MB)"
set y2label "open descriptors"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
set key bottom right
plot "$SAMPLES" using (\$1/1000):(\$3/1024) every ::1 with lines lw 2 lc rgb "#1f77b4" title "RSS", \
     "" using (\$1/1000):4 every ::1 axes x1y2 with lines lw 1 dt 2 lc rgb "#2ca02c" title "open descriptors"
EOF
echo "results: $OUT/summary.md, $OUT/samples.csv, $OUT/chunks.csv, $OUT/soak.png"
