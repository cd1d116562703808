# Sourced by the benchmark scripts (compare-with-opendkim.sh, soak.sh): a temporary directory and the processes a
# script starts, all removed or killed by PID when it exits, however it exits; a free loopback port; the load
# generator's DNS server on a loopback address, port 53.
#
# use_temporary_directory PREFIX   sets TMP and the exit traps; PIDS holds what to kill at exit
# stop_pid PID                     TERM, up to 10 s, then KILL; forgets PID
# free_port                        prints a free TCP port on 127.0.0.1
# build_daemon_and_load_generator ROOT REV   see below
# start_dns_server LOAD KEY NAME   starts `LOAD dns` for NAME with KEY's public key on the first loopback address of
#                                  127.0.0.1..5 whose port 53 is free; sets DNS_ADDRESS and DNS_PID

PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -z ${TMP:-} ]] || rm -rf "$TMP"
}

use_temporary_directory() {
    TMP=$(mktemp -d "/tmp/$1.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

forget_pid() {
    local pid=$1 kept=() p
    for p in "${PIDS[@]}"; do
        [[ $p == "$pid" ]] || kept+=("$p")
    done
    PIDS=("${kept[@]}")
}

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The daemons are given `Nameservers ADDRESS`, and OpenDKIM's Nameservers takes no port: hence port 53.
start_dns_server() {
    local load=$1 key=$2 name=$3 address
    DNS_ADDRESS=""
    for address in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
        rm -f "$TMP/dns.port"
        "$load" dns --key "$key" --name "$name" --address "$address" --port 53 --port-file "$TMP/dns.port" \
            >"$TMP/dns.log" 2>&1 &
        DNS_PID=$!
        PIDS+=("$DNS_PID")
        for _ in $(seq 100); do
            [[ -s $TMP/dns.port ]] && break
            kill -0 "$DNS_PID" 2>/dev/null || break
            sleep 0.1
        done
        if [[ -s $TMP/dns.port ]]; then
            DNS_ADDRESS=$address
            return 0
        fi
        stop_pid "$DNS_PID"
    done
    echo "no loopback address with port 53 free for the DNS server:" >&2
    cat "$TMP/dns.log" >&2
    return 1
}

# build_daemon_and_load_generator ROOT REV: dkim-milter (Release) into $TMP/daemon, from REV (git archive) when REV is
# not empty, else from the working tree; the load generator into $TMP/loadgen. Sets DAEMON_SOURCE (what was built,
# for the report) and LOAD (the load generator's executable).
build_daemon_and_load_generator() {
    local root=$1 rev=$2 project
    if [[ -n $rev ]]; then
        mkdir -p "$TMP/src"
        git -C "$root" archive "$rev" | tar -x -C "$TMP/src"
        DAEMON_SOURCE="$(git -C "$root" rev-parse --short "$rev") (git archive of $rev)"
        project="$TMP/src/src/Milter.Daemon"
    else
        DAEMON_SOURCE="working tree at $(git -C "$root" rev-parse --short HEAD)"
        if [[ -n $(git -C "$root" status --porcelain -- src) ]]; then
            DAEMON_SOURCE="$DAEMON_SOURCE with uncommitted changes in src/"
        fi
        project="$root/src/Milter.Daemon"
    fi
    dotnet build "$project" -c Release -o "$TMP/daemon" -nologo -v quiet -clp:NoSummary >"$TMP/build-daemon.log" 2>&1 \
        || { cat "$TMP/build-daemon.log" >&2; return 1; }
    dotnet build "$root/tests/Milter.Benchmarks" -c Release -o "$TMP/loadgen" -nologo -v quiet -clp:NoSummary \
        >"$TMP/build-loadgen.log" 2>&1 || { cat "$TMP/build-loadgen.log" >&2; return 1; }
    LOAD="$TMP/loadgen/Milter.Benchmarks"
}
