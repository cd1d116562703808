# Sourced by the benchmark scripts (compare-with-opendkim.sh, soak.sh): a temporary directory and the processes a
# script starts, all removed or killed by PID when it exits, however it exits; a free loopback port; the load
# generator's DNS server on a loopback address, port 53.
#
# use_temporary_directory PREFIX   sets TMP and the exit traps; PIDS holds what to kill at exit
# stop_pid PID                     TERM, up to 10 s, then KILL; forgets PID
# free_port                        prints a free TCP port on 127.0.0.1
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
