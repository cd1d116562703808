#!/usr/bin/env bash
# The "clean Debian" install test: packaging/install.sh on a freshly bootstrapped Debian 12 (bookworm), then the
# real systemd of that system starts, reloads, restarts and stops dkim-milter.service, and each promise of
# the unit is checked: it listens on 127.0.0.1:8891 and [::1]:8891, runs as opendkim, writes and removes
# its PID file, logs through /dev/log, signs a message (miltertest), survives a reload, is restarted after
# a crash, and is NOT restarted after a configuration error.
#
#   sudo packaging/test/clean-install-test.sh [--from PUBLISHDIR] [--base DIR] [--keep] [--mirror URL]
#
#   --from DIR    a self-contained `dotnet publish` of src/Milter.Daemon (default: publish one now)
#   --base DIR    a debootstrapped bookworm to copy instead of bootstrapping (it is not changed); when DIR
#                 does not exist yet, bootstrap into it and keep it for the next run
#   --keep        leave the work directory (the container's root file system) for inspection
#   --mirror URL  Debian mirror for debootstrap (default: the first of this machine's apt sources)
#
# Needs root, debootstrap, systemd-container (systemd-nspawn), miltertest (opendkim-tools' companion
# package) and, without --from, the .NET SDK; installs the first three with apt-get when missing. Downloads a
# Debian base system (about 40 s and 120 MB here); ./test.sh runs it (tests/.../Packaging/PackagingTests.cs).
# The container shares this machine's network (that is how miltertest reaches it), so 127.0.0.1:8891 must be
# free here. Ends with "N passed, N failed".
set -euo pipefail

readonly repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
from=
base=
keep=no
mirror=
while (($#)); do
    case $1 in
        --from) from=$(cd "$2" && pwd); shift ;;
        --base) base=$2; shift ;;
        --keep) keep=yes ;;
        --mirror) mirror=$2; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "clean-install-test.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
((EUID == 0)) || { echo "clean-install-test.sh: run as root" >&2; exit 2; }

log() { printf '\n=== %s\n' "$*"; }
passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
check() { # DESCRIPTION COMMAND...: pass when the command succeeds
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
equals() { # DESCRIPTION ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
command -v miltertest >/dev/null || missing+=(miltertest)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ss -Hltn 'sport = :8891' | grep -q .; then
    echo "clean-install-test.sh: something on this machine already listens on port 8891 (the container shares the network):" >&2
    ss -ltnp 'sport = :8891' >&2
    exit 2
fi

work=$(mktemp -d /var/tmp/dkim-milter-clean-install.XXXXXX)
rootfs=$work/rootfs
nspawn_pid=
leader=
cleanup() {
    if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        # Power the container off from inside; if its systemd does not go, SIGKILL to its PID 1 ends every
        # process of the container (killing nspawn alone would leave them running).
        [[ -z $leader ]] || nsenter -t "$leader" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
        for _ in $(seq 1 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
        [[ -z $leader ]] || kill -KILL "$leader" 2>/dev/null || true
        wait "$nspawn_pid" 2>/dev/null || true
    fi
    if [[ $keep == yes ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- the program ------------------------------------------------------------------------------------------
if [[ -z $from ]]; then
    log "publishing src/Milter.Daemon (self-contained, linux-x64)"
    dotnet publish "$repo/src/Milter.Daemon" -c Release -r linux-x64 --self-contained -o "$work/publish" --nologo -v quiet
    from=$work/publish
fi

# --- a clean Debian ---------------------------------------------------------------------------------------
# minbase and what any installed Debian has beyond it: systemd as init, dbus, procps (/bin/kill for
# ExecReload), iproute2 (ss, for this test). libssl3 is what dkim-milter needs beyond minbase (install.sh
# says so when it is missing; the first install below checks that it does).
packages=systemd,systemd-sysv,dbus,procps,iproute2
if [[ -z $mirror ]]; then
    mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)
    mirror=${mirror:-http://deb.debian.org/debian}
fi
if [[ -n $base && -d $base ]]; then
    log "copying the Debian base system from $base"
    cp -a "$base" "$rootfs"
else
    log "debootstrap --variant=minbase bookworm ($mirror)"
    start=$SECONDS
    debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log"; exit 1; }
    echo "debootstrap took $((SECONDS - start)) s"
    if [[ -n $base ]]; then cp -a "$rootfs" "$base"; fi
fi
# What the Debian installer writes and debootstrap does not: without /etc/hosts, "localhost" (the seed's
# Socket inet:8891@localhost) does not resolve.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
echo dkim-test >"$rootfs/etc/hostname"

run_in_root() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# --- install.sh, as an administrator runs it (into the root; the container is not running yet) -----------------
log "install.sh --root (the template configuration names a key that does not exist yet)"
status=0
"$repo/packaging/install.sh" --root "$rootfs" --from "$from" >"$work/install-1.log" 2>&1 || status=$?
cat "$work/install-1.log"
check "install.sh exits 3 when the configuration check fails" test "$status" = 3
check "install.sh prints the check's error (the missing key)" grep -q "mail.private: no such file" "$work/install-1.log"
check "install.sh did not enable the service" test ! -e "$rootfs/etc/systemd/system/multi-user.target.wants/dkim-milter.service"
check "the key directory is 0750 opendkim:opendkim" test "$(run_in_root stat -c '%a %U:%G' /etc/opendkim/keys)" = "750 opendkim:opendkim"

# The administrator's part: the key the template's KeyTable names (the repository's test key).
install -m 0750 -o root -g root -d "$rootfs/etc/opendkim/keys/example.com"
chroot "$rootfs" chown opendkim:opendkim /etc/opendkim/keys/example.com
install -m 0600 "$repo/samples/local/keys/mail.private" "$rootfs/etc/opendkim/keys/example.com/mail.private"
chroot "$rootfs" chown opendkim:opendkim /etc/opendkim/keys/example.com/mail.private

log "install.sh --root, second run (key in place)"
status=0
"$repo/packaging/install.sh" --root "$rootfs" --from "$from" >"$work/install-3.log" 2>&1 || status=$?
cat "$work/install-3.log"
check "install.sh exits 0 with a valid configuration" test "$status" = 0
check "install.sh's configuration check passed (in the root)" grep -q "configuration check passed" "$work/install-3.log"
check "the service is enabled" test -L "$rootfs/etc/systemd/system/multi-user.target.wants/dkim-milter.service"
status=0
"$repo/packaging/install.sh" --root "$rootfs" --from "$from" >"$work/install-4.log" 2>&1 || status=$?
check "a third run changes nothing" grep -q "nothing to do" "$work/install-4.log"

# --- boot it ----------------------------------------------------------------------------------------------
log "systemd-nspawn --boot"
# --register=no --keep-unit: this machine's systemd is not PID 1 (no machined, no bus), nspawn must not ask it.
systemd-nspawn -D "$rootfs" --boot --register=no --keep-unit --console=pipe -M dkim-test >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1 is the child of nspawn that runs systemd (nspawn forks short-lived helpers first).
leader=
for _ in $(seq 1 60); do
    for child in $(ps -o pid= --ppid "$nspawn_pid" || true); do
        if [[ $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]]; then leader=$child; fi
    done
    [[ -n $leader ]] && break
    sleep 0.5
done
[[ -n $leader ]] || { cat "$work/nspawn.log"; echo "the container did not start" >&2; exit 1; }
# Inside the container: all of its namespaces (PID 1 is its systemd).
in_container() { nsenter -t "$leader" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
state=
for _ in $(seq 1 120); do
    state=$(in_container systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    sleep 0.5
done
echo "container's systemd: $state"
in_container systemctl --failed --no-pager || true

prop() { in_container systemctl show -P "$1" dkim-milter.service; }
wait_for() { # SECONDS COMMAND...: retry until it succeeds
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

log "started at boot"
check "dkim-milter.service was started at boot" wait_for 20 in_container systemctl is-active --quiet dkim-milter.service
in_container systemctl --no-pager status dkim-milter.service || true
pid=$(prop MainPID)
uid=$(in_container id -u opendkim)
check "the main process runs as opendkim (real, effective, saved and fs uid $uid)" \
    test "$(in_container awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" = "$uid $uid $uid $uid"
check "with no capabilities left" test "$(in_container awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" = 0000000000000000
pidfile=$(in_container cat /run/opendkim/opendkim.pid 2>/dev/null || true)
echo "MainPID in the container: $(in_container systemctl show -P MainPID dkim-milter.service); PID file: $pidfile"
check "the PID file holds the main PID" test "$pidfile" = "$(in_container systemctl show -P MainPID dkim-milter.service)"
check "the PID file belongs to opendkim" test "$(in_container stat -c %U /run/opendkim/opendkim.pid)" = opendkim
check "/run/opendkim belongs to opendkim, mode 750" test "$(in_container stat -c '%U %a' /run/opendkim)" = "opendkim 750"
in_container ss -ltnp 'sport = :8891' || true
check "listening on 127.0.0.1:8891" in_container sh -c "ss -Hltn 'sport = :8891' | grep -q '127.0.0.1:8891'"
check "listening on [::1]:8891" in_container sh -c "ss -Hltn 'sport = :8891' | grep -q '\[::1\]:8891'"
check "Type=notify: READY=1 arrived (active/running, not activating)" test "$(prop ActiveState)/$(prop SubState)" = active/running
in_container journalctl --no-pager -o short -u dkim-milter.service | tail -15
# Syslog yes: datagrams to /dev/log (journald's socket here), so they carry _TRANSPORT=syslog, not stdout.
check "log lines arrive through /dev/log (Syslog yes)" \
    in_container sh -c "journalctl --no-pager -q _TRANSPORT=syslog _SYSTEMD_UNIT=dkim-milter.service | grep -q 'listening on'"
check "they are filed under facility mail (2)" \
    in_container sh -c "journalctl --no-pager -q -o verbose _TRANSPORT=syslog _SYSTEMD_UNIT=dkim-milter.service | grep -q 'SYSLOG_FACILITY=2'"
check "and not written twice (nothing on stderr)" \
    in_container sh -c "! journalctl --no-pager -q _TRANSPORT=stdout _SYSTEMD_UNIT=dkim-milter.service | grep -q 'listening on'"
ident=$(in_container journalctl --no-pager -q -o verbose _TRANSPORT=syslog _SYSTEMD_UNIT=dkim-milter.service | sed -n 's/^ *SYSLOG_IDENTIFIER=//p' | sort -u)
equals "tagged opendkim (the template's SyslogName)" "$ident" opendkim

log "a milter session (miltertest from the host through the shared loopback)"
if miltertest -D socket=inet:8891@127.0.0.1 -s "$repo/packaging/test/sign-one.lua" >"$work/miltertest.log" 2>&1; then
    pass "a message from user@example.com is signed (d=example.com, s=mail)"
else
    fail "a message from user@example.com is signed (d=example.com, s=mail)"
fi
cat "$work/miltertest.log"
if command -v python3 >/dev/null && python3 -c 'import socket; s=socket.create_connection(("::1", 8891), 5); s.close()' 2>/dev/null; then
    pass "TCP connect to [::1]:8891"
else
    fail "TCP connect to [::1]:8891"
fi

log "systemctl reload (SIGUSR1)"
before=$(prop MainPID)
check "systemctl reload succeeds" in_container systemctl reload dkim-milter.service
sleep 2
check "still active after reload" in_container systemctl is-active --quiet dkim-milter.service
check "same process after reload" test "$(prop MainPID)" = "$before"
in_container journalctl --no-pager -o cat -u dkim-milter.service | tail -3
check "the reload is logged" in_container sh -c "journalctl --no-pager -o cat -u dkim-milter.service | grep -qi reload"
check "still signs after reload" miltertest -D socket=inet:8891@127.0.0.1 -s "$repo/packaging/test/sign-one.lua"

log "a crash (SIGKILL) is restarted (Restart=on-failure, RestartSec=5s)"
in_container systemctl kill --signal=SIGKILL --kill-who=main dkim-milter.service || true
check "restarted within 15 s" wait_for 15 sh -c "[ \"\$(nsenter -t $leader -a systemctl show -P NRestarts dkim-milter.service)\" = 1 ] && nsenter -t $leader -a systemctl is-active --quiet dkim-milter.service"
echo "NRestarts=$(prop NRestarts) MainPID=$(prop MainPID) (was $before)"

log "systemctl stop (SIGTERM: drain, exit 0, PID file removed)"
in_container systemctl stop dkim-milter.service || true
check "stopped cleanly (Result=success, exit status 0)" test "$(prop Result) $(prop ExecMainStatus)" = "success 0"
check "the PID file is removed at exit" in_container test ! -e /run/opendkim/opendkim.pid
check "nothing listens on 8891 any more" sh -c "! ss -Hltn 'sport = :8891' | grep -q ."

log "a configuration error: the start fails with 78 and is not retried"
cp "$rootfs/etc/opendkim.conf" "$work/opendkim.conf.good"
echo "Sokcet inet:8891@localhost" >>"$rootfs/etc/opendkim.conf"
in_container systemctl start dkim-milter.service 2>&1 || true
sleep 7 # longer than RestartSec
check "the start failed with exit status 78" test "$(prop Result) $(prop ExecMainStatus)" = "exit-code 78"
check "and was not restarted (RestartPreventExitStatus=78)" test "$(prop ActiveState)" = failed
in_container systemctl --no-pager status dkim-milter.service | tail -5 || true
check "systemctl status shows the line to fix" \
    in_container sh -c "journalctl --no-pager -o cat -u dkim-milter.service | grep -q 'Sokcet'"
cp "$work/opendkim.conf.good" "$rootfs/etc/opendkim.conf"
in_container systemctl reset-failed dkim-milter.service || true
in_container systemctl start dkim-milter.service || true
check "starts again once the configuration is fixed" in_container systemctl is-active --quiet dkim-milter.service

log "systemd-analyze security (the container's systemd)"
in_container systemd-analyze security --no-pager dkim-milter.service | tail -1 || true

log "install.sh inside the running system (systemd is PID 1 there): again, then an upgrade"
mkdir -p "$rootfs/root/src/docs"
cp -rL "$repo/packaging" "$rootfs/root/src/"
cp "$repo/docs/PACKAGING.md" "$rootfs/root/src/docs/"
cp "$repo/README.md" "$rootfs/root/src/"
cp -a "$from" "$rootfs/root/publish"
before=$(prop MainPID)
status=0
in_container /root/src/packaging/install.sh --from /root/publish >"$work/inside-1.log" 2>&1 || status=$?
cat "$work/inside-1.log"
check "install.sh in the running system: exit 0, nothing to do" \
    sh -c "[ $status = 0 ] && grep -q 'nothing to do' '$work/inside-1.log'"
check "and the service was left alone (same PID)" test "$(prop MainPID)" = "$before"
echo "a new file" >"$rootfs/root/publish/upgrade-marker.txt"
status=0
in_container /root/src/packaging/install.sh --from /root/publish >"$work/inside-2.log" 2>&1 || status=$?
cat "$work/inside-2.log"
check "an upgrade restarts the service" sh -c "[ $status = 0 ] && grep -q 'restarted dkim-milter.service' '$work/inside-2.log'"
check "which is active again, with a new PID" \
    sh -c "[ \"\$(nsenter -t $leader -a systemctl show -P ActiveState dkim-milter.service)\" = active ] && [ \"\$(nsenter -t $leader -a systemctl show -P MainPID dkim-milter.service)\" != $before ]"

log "install.sh --alias-opendkim: the seed manual's \`systemctl restart opendkim\` (no opendkim package yet)"
before=$(prop MainPID)
alias_time=$(date +%s)
status=0
in_container /root/src/packaging/install.sh --from /root/publish --alias-opendkim >"$work/inside-alias.log" 2>&1 || status=$?
cat "$work/inside-alias.log"
check "--alias-opendkim: exit 0" test "$status" = 0
in_container systemctl restart opendkim.service || true
check "systemctl restart opendkim restarts dkim-milter" \
    sh -c "nsenter -t $leader -a systemctl is-active --quiet dkim-milter.service && [ \"\$(nsenter -t $leader -a systemctl show -P MainPID dkim-milter.service)\" != $before ]"
check "systemctl status opendkim shows dkim-milter" sh -c "nsenter -t $leader -a systemctl --no-pager status opendkim.service | grep -q 'dkim-milter.service - dkim-milter'"
# systemd says once per daemon-reload that the Conflicts= naming the alias is dropped ("opendkim.service is
# merged into dkim-milter.service"); anything else it says about the unit since the alias is a failure.
check "no other warning from systemd about the unit (left-over processes, foreign notifications...)" \
    sh -c "! nsenter -t $leader -a journalctl --no-pager -q --since=@$alias_time -p warning _PID=1 | grep -i 'dkim-milter\\|opendkim' | grep -v 'is merged into dkim-milter.service'"
rm "$rootfs/etc/systemd/system/opendkim.service" # away again before the opendkim package comes
in_container systemctl daemon-reload

log "next to the opendkim package (the seed manual's apt-get install opendkim)"
if in_container sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold opendkim' >"$work/apt-opendkim.log" 2>&1; then
    in_container systemctl --no-pager status opendkim.service | head -3 || true
    check "starting opendkim.service stopped dkim-milter.service (Conflicts=)" \
        sh -c "[ \"\$(nsenter -t $leader -a systemctl is-active opendkim.service)\" = active ] && [ \"\$(nsenter -t $leader -a systemctl is-active dkim-milter.service)\" = inactive ]"
    check "the opendkim package kept our /etc/opendkim.conf" cmp -s "$repo/packaging/etc/opendkim.conf" "$rootfs/etc/opendkim.conf"
    status=0
    in_container /root/src/packaging/install.sh --from /root/publish >"$work/inside-3.log" 2>&1 || status=$?
    cat "$work/inside-3.log"
    check "install.sh with opendkim running: exit 4, pointing at --replace-opendkim" \
        sh -c "[ $status = 4 ] && grep -q -- '--replace-opendkim' '$work/inside-3.log'"
    status=0
    in_container /root/src/packaging/install.sh --from /root/publish --replace-opendkim >"$work/inside-4.log" 2>&1 || status=$?
    cat "$work/inside-4.log"
    check "--replace-opendkim: exit 0" test "$status" = 0
    check "opendkim.service is stopped and disabled" \
        sh -c "[ \"\$(nsenter -t $leader -a systemctl is-active opendkim.service)\" = inactive ] && ! nsenter -t $leader -a systemctl is-enabled --quiet opendkim.service"
    check "dkim-milter.service is active and enabled" \
        sh -c "nsenter -t $leader -a systemctl is-active --quiet dkim-milter.service && nsenter -t $leader -a systemctl is-enabled --quiet dkim-milter.service"
    check "still signs" miltertest -D socket=inet:8891@127.0.0.1 -s "$repo/packaging/test/sign-one.lua"
    check "both tmpfiles.d entries for /run/opendkim, no complaint" \
        sh -c "out=\$(nsenter -t $leader -a systemd-tmpfiles --create 2>&1 | grep -i opendkim); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
else
    tail -5 "$work/apt-opendkim.log"
    fail "apt-get install opendkim in the container (no network to the Debian mirror?)"
fi

log "uninstall.sh inside"
status=0
in_container /root/src/packaging/uninstall.sh >"$work/uninstall.log" 2>&1 || status=$?
cat "$work/uninstall.log"
check "uninstall.sh: exit 0, service gone, configuration kept" \
    sh -c "[ $status = 0 ] && [ \"\$(nsenter -t $leader -a systemctl show -P LoadState dkim-milter.service)\" = not-found ] && [ -f '$rootfs/etc/opendkim.conf' ]"

printf '\n%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
