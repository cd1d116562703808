#!/usr/bin/env bash
# Fast checks of the packaging (seconds; run by the xunit tests in tests/Milter.IntegrationTests/Packaging,
# so by ./test.sh and CI):
#   verify   systemd-analyze verify of dkim-milter.service installed in a scratch root: any line it prints
#            (unknown directive, bad value, missing command...) fails; and systemd-analyze security must
#            keep the exposure level at or below 3.0 (it is 2.7).
#   install  install.sh --root into scratch roots with a stand-in program: the tree, owners and modes;
#            a second run changes nothing; an edited configuration and key directory are kept; an upgrade
#            replaces and removes program files; opendkim.service blocks enabling until --replace-opendkim;
#            --alias-opendkim; uninstall.sh.
#
#   sudo packaging/test/packaging-test.sh [verify|install|all]
#
# Needs root (install.sh adds a user inside the scratch root and chowns) and systemd's systemd-analyze and
# systemctl (Debian package systemd); the running system is not touched. Ends with "N passed, N failed".
set -euo pipefail

readonly repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
what=${1:-all}
case $what in verify | install | all) ;; *) echo "usage: $0 [verify|install|all]" >&2; exit 2 ;; esac
((EUID == 0)) || { echo "packaging-test.sh: run as root" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
equals() { # DESCRIPTION ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

# A system root as install.sh expects one: Debian's merged /usr, and the user databases.
new_root() { # DIR
    mkdir -p "$1"/usr/{bin,sbin,lib} "$1"/etc "$1"/var/lib/dpkg
    ln -s usr/bin "$1/bin"
    ln -s usr/sbin "$1/sbin"
    ln -s usr/lib "$1/lib"
    printf 'root:x:0:0:root:/root:/bin/bash\n' >"$1/etc/passwd"
    printf 'root:x:0:\n' >"$1/etc/group"
    printf 'root:*:19000:0:99999:7:::\n' >"$1/etc/shadow"
    printf 'root:*::\n' >"$1/etc/gshadow"
    chmod 0640 "$1/etc/shadow" "$1/etc/gshadow"
    touch "$1/var/lib/dpkg/status"
}

# A stand-in for `dotnet publish src/Milter.Daemon`: the apphost and a few files (install.sh only copies them).
new_publish() { # DIR VERSION
    mkdir -p "$1"
    printf '#!/bin/sh\necho "dkim-milter %s (stand-in)"\n' "$2" >"$1/dkim-milter"
    chmod 0755 "$1/dkim-milter"
    printf 'assembly %s\n' "$2" >"$1/dkim-milter.dll"
    printf '{"runtimeOptions":{}}\n' >"$1/dkim-milter.runtimeconfig.json"
    touch "$1/libcoreclr.so" # marks it self-contained (no .NET runtime needed in the root)
}

run_install() { # LOG ARGS...: install.sh's exit status in $status
    local log=$1
    shift
    status=0
    "$repo/packaging/install.sh" "$@" >"$log" 2>&1 || status=$?
}

manifest() { # DIR: every path with type, mode, owner, size, mtime and link target
    (cd "$1" && find . -printf '%p %y %m %u:%g %s %T@ %l\n' | sort)
}

verify_unit() {
    echo "--- verify: systemd-analyze verify and security on the installed unit"
    local root=$work/verify
    new_root "$root"
    # What verify resolves inside the root: the units the unit names (sysinit.target, ...), and the commands
    # of Exec*= lines (it only checks that they are executable).
    mkdir -p "$root/usr/lib/systemd/system"
    cp -a /lib/systemd/system/. "$root/usr/lib/systemd/system/"
    rm -f "$root/usr/lib/systemd/system/dkim-milter.service" # one this machine may have; ours is installed now
    new_publish "$work/publish-verify" 1
    run_install "$work/verify-install.log" --root "$root" --from "$work/publish-verify" --no-enable
    equals "install.sh --root exits 0" "$status" 0
    ((status == 0)) || cat "$work/verify-install.log"
    for command in /usr/bin/systemd-tmpfiles /usr/bin/kill; do
        [[ -e $root$command ]] || { printf '#!/bin/sh\n' >"$root$command"; chmod 0755 "$root$command"; }
    done
    local output verify_status=0
    output=$(systemd-analyze verify --root="$root" --man=no dkim-milter.service 2>&1) || verify_status=$?
    if ((verify_status == 0)) && [[ -z $output ]]; then
        pass "systemd-analyze verify dkim-milter.service: no errors, no warnings"
    else
        fail "systemd-analyze verify dkim-milter.service (exit $verify_status):"
        printf '%s\n' "$output"
    fi
    local security_status=0
    output=$(systemd-analyze security --root="$root" --offline=yes --threshold=30 --no-pager dkim-milter.service 2>&1) ||
        security_status=$?
    if ((security_status == 0)); then
        pass "systemd-analyze security: $(grep -o 'Overall exposure level.*' <<<"$output" | head -1)"
    else
        fail "systemd-analyze security: exposure above 3.0 (exit $security_status)"
        printf '%s\n' "$output" | grep -E '✗|Overall' || printf '%s\n' "$output"
    fi
    # The tmpfiles.d entry, applied to the root as systemd-tmpfiles would at boot.
    systemd-tmpfiles --root="$root" --create dkim-milter.conf >"$work/tmpfiles.log" 2>&1 || true
    equals "systemd-tmpfiles creates /run/opendkim as opendkim:opendkim 0750 (and says nothing)" \
        "$(stat -c '%u:%g %a' "$root/run/opendkim" 2>/dev/null || echo missing) $(cat "$work/tmpfiles.log")" \
        "$(awk -F: '$1 == "opendkim" { print $3 }' "$root/etc/passwd"):$(awk -F: '$1 == "opendkim" { print $3 }' "$root/etc/group") 750 "
}

install_tree() {
    echo "--- install: install.sh --root with a stand-in program"
    local root=$work/install publish=$work/publish-1
    new_root "$root"
    new_publish "$publish" 1
    run_install "$work/install-1.log" --root "$root" --from "$publish"
    equals "first run exits 0" "$status" 0
    ((status == 0)) || cat "$work/install-1.log"
    grep -q "cannot run in" "$work/install-1.log" && pass "says it could not check the configuration in a root without the program's libraries" ||
        fail "says it could not check the configuration"

    local uid gid
    uid=$(awk -F: '$1 == "opendkim" { print $3 }' "$root/etc/passwd")
    gid=$(awk -F: '$1 == "opendkim" { print $3 }' "$root/etc/group")
    check "system user opendkim (uid < 1000)" test -n "$uid" -a "${uid:-1000}" -lt 1000
    equals "its group, home and shell" "$(awk -F: '$1 == "opendkim" { print $4, $6, $7 }' "$root/etc/passwd")" "$gid /run/opendkim /usr/sbin/nologin"
    check "no home directory was created" test ! -e "$root/run/opendkim"
    equals "program" "$(stat -c '%a %U' "$root/usr/lib/dkim-milter/dkim-milter") $(cat "$root/usr/lib/dkim-milter/dkim-milter.dll")" "755 root assembly 1"
    equals "/usr/sbin/dkim-milter links to it" "$(readlink "$root/usr/sbin/dkim-milter")" /usr/lib/dkim-milter/dkim-milter
    equals "unit" "$(stat -c '%a %U' "$root/usr/lib/systemd/system/dkim-milter.service")" "644 root"
    check "unit is the packaged one" cmp -s "$repo/packaging/dkim-milter.service" "$root/usr/lib/systemd/system/dkim-milter.service"
    check "tmpfiles.d entry is the packaged one" cmp -s "$repo/packaging/dkim-milter.tmpfiles" "$root/usr/lib/tmpfiles.d/dkim-milter.conf"
    # (systemctl writes /lib/systemd/system/..., Debian's spelling of the same file.)
    equals "enabled (multi-user.target.wants)" \
        "$(readlink "$root/etc/systemd/system/multi-user.target.wants/dkim-milter.service" | sed 's|^/lib/|/usr/lib/|')" \
        /usr/lib/systemd/system/dkim-milter.service
    equals "/etc/opendkim.conf: the template, 0644 root" "$(stat -c '%a %U' "$root/etc/opendkim.conf")" "644 root"
    check "/etc/opendkim.conf is the template" cmp -s "$repo/packaging/etc/opendkim.conf" "$root/etc/opendkim.conf"
    for table in KeyTable SigningTable TrustedHosts; do
        check "/etc/opendkim/$table is the template" cmp -s "$repo/packaging/etc/opendkim/$table" "$root/etc/opendkim/$table"
    done
    equals "/etc/opendkim/keys: 0750 opendkim:opendkim" "$(stat -c '%a %u:%g' "$root/etc/opendkim/keys")" "750 $uid:$gid"
    check "docs installed" test -f "$root/usr/share/doc/dkim-milter/PACKAGING.md"

    # Second run: nothing changes, not even a timestamp.
    manifest "$root" >"$work/before"
    run_install "$work/install-2.log" --root "$root" --from "$publish"
    manifest "$root" >"$work/after"
    equals "second run exits 0" "$status" 0
    check "second run says there was nothing to do" grep -q "nothing to do" "$work/install-2.log"
    if diff "$work/before" "$work/after" >"$work/diff"; then pass "second run changes nothing (paths, modes, owners, sizes, mtimes)"; else
        fail "second run changed:"
        cat "$work/diff"
    fi

    # The administrator's edits survive.
    echo "# edited" >>"$root/etc/opendkim.conf"
    echo "edited.example k:s:/k" >"$root/etc/opendkim/KeyTable"
    chmod 0700 "$root/etc/opendkim/keys"
    run_install "$work/install-3.log" --root "$root" --from "$publish"
    check "an edited /etc/opendkim.conf is kept" grep -q "^# edited" "$root/etc/opendkim.conf"
    equals "an edited KeyTable is kept" "$(cat "$root/etc/opendkim/KeyTable")" "edited.example k:s:/k"
    equals "the key directory's mode is the administrator's" "$(stat -c %a "$root/etc/opendkim/keys")" 700
    rm "$root/etc/opendkim/SigningTable"
    run_install "$work/install-4.log" --root "$root" --from "$publish"
    check "a deleted SigningTable is installed again" cmp -s "$repo/packaging/etc/opendkim/SigningTable" "$root/etc/opendkim/SigningTable"

    # An upgrade: changed files replaced, files the new version lacks removed, the rest untouched.
    local publish2=$work/publish-2
    new_publish "$publish2" 2
    cp -p "$root/usr/lib/dkim-milter/dkim-milter.runtimeconfig.json" "$publish2/" # same content and mtime
    rm "$publish2/libcoreclr.so"
    printf 'new\n' >"$publish2/New.Library.dll"
    touch -d '2001-01-01' "$root/usr/lib/dkim-milter/dkim-milter.runtimeconfig.json"
    run_install "$work/install-5.log" --root "$root" --from "$publish2"
    equals "upgrade: changed file replaced" "$(cat "$root/usr/lib/dkim-milter/dkim-milter.dll")" "assembly 2"
    check "upgrade: new file added" test -f "$root/usr/lib/dkim-milter/New.Library.dll"
    check "upgrade: file the new version lacks removed" test ! -e "$root/usr/lib/dkim-milter/libcoreclr.so"
    equals "upgrade: identical file not rewritten" "$(stat -c %Y "$root/usr/lib/dkim-milter/dkim-milter.runtimeconfig.json")" "$(date -d 2001-01-01 +%s)"
    check "upgrade: says it warns about the missing .NET runtime of a framework-dependent build" \
        grep -q "no .NET 10 runtime" "$work/install-5.log"

    # uninstall.sh: the program and the unit go, configuration, keys and user stay.
    local status_uninstall=0
    "$repo/packaging/uninstall.sh" --root "$root" >"$work/uninstall.log" 2>&1 || status_uninstall=$?
    equals "uninstall.sh exits 0" "$status_uninstall" 0
    check "uninstall removes program, link, unit, tmpfiles entry, docs and the enable link" \
        test ! -e "$root/usr/lib/dkim-milter" -a ! -L "$root/usr/sbin/dkim-milter" -a ! -e "$root/usr/lib/systemd/system/dkim-milter.service" \
        -a ! -e "$root/usr/lib/tmpfiles.d/dkim-milter.conf" -a ! -e "$root/usr/share/doc/dkim-milter" \
        -a ! -L "$root/etc/systemd/system/multi-user.target.wants/dkim-milter.service"
    check "uninstall keeps configuration, keys and the user" \
        test -f "$root/etc/opendkim.conf" -a -d "$root/etc/opendkim/keys" -a -n "$(grep '^opendkim:' "$root/etc/passwd")"
}

install_with_opendkim() {
    echo "--- install: next to the opendkim package"
    local root=$work/with-opendkim publish=$work/publish-o
    new_root "$root"
    new_publish "$publish" 1
    mkdir -p "$root/usr/lib/systemd/system"
    cp /dev/null "$root/usr/lib/systemd/system/opendkim.service"
    printf '[Unit]\nDescription=OpenDKIM\n[Service]\nExecStart=/usr/sbin/opendkim\n[Install]\nWantedBy=multi-user.target\n' \
        >"$root/usr/lib/systemd/system/opendkim.service"
    systemctl --root="$root" enable --quiet opendkim.service
    # An existing configuration (the opendkim package's) is kept as it is.
    printf 'Socket local:/run/opendkim/opendkim.sock\n' >"$root/etc/opendkim.conf"
    run_install "$work/o-1.log" --root "$root" --from "$publish"
    equals "with opendkim.service enabled: exit 4" "$status" 4
    check "it says to use --replace-opendkim" grep -q -- "--replace-opendkim" "$work/o-1.log"
    check "and does not enable dkim-milter" test ! -L "$root/etc/systemd/system/multi-user.target.wants/dkim-milter.service"
    equals "the existing /etc/opendkim.conf is kept" "$(cat "$root/etc/opendkim.conf")" "Socket local:/run/opendkim/opendkim.sock"
    run_install "$work/o-2.log" --root "$root" --from "$publish" --alias-opendkim
    check "--alias-opendkim is refused next to an opendkim.service" grep -q "an opendkim.service exists" "$work/o-2.log"
    check "and no alias is made" test ! -L "$root/etc/systemd/system/opendkim.service"
    run_install "$work/o-3.log" --root "$root" --from "$publish" --replace-opendkim
    equals "--replace-opendkim: exit 0" "$status" 0
    check "opendkim.service is disabled" test ! -L "$root/etc/systemd/system/multi-user.target.wants/opendkim.service"
    check "dkim-milter.service is enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/dkim-milter.service"

    echo "--- install: --alias-opendkim without the opendkim package"
    root=$work/alias
    new_root "$root"
    run_install "$work/a-1.log" --root "$root" --from "$publish" --alias-opendkim
    equals "exit 0" "$status" 0
    equals "/etc/systemd/system/opendkim.service is an alias of dkim-milter.service" \
        "$(readlink "$root/etc/systemd/system/opendkim.service")" /usr/lib/systemd/system/dkim-milter.service
    run_install "$work/a-2.log" --root "$root" --from "$publish" --alias-opendkim
    check "a second run with --alias-opendkim changes nothing" grep -q "nothing to do" "$work/a-2.log"
    "$repo/packaging/uninstall.sh" --root "$root" >/dev/null 2>&1 || true
    check "uninstall.sh removes the alias" test ! -L "$root/etc/systemd/system/opendkim.service"
}

case $what in
    verify) verify_unit ;;
    install) install_tree; install_with_opendkim ;;
    all) verify_unit; install_tree; install_with_opendkim ;;
esac

printf '%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
