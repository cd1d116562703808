#!/usr/bin/env bash
# Installs dkim-milter as a systemd service in place of opendkim (see docs/PACKAGING.md).
#
#   sudo packaging/install.sh [options]
#
#   --from DIR            install this `dotnet publish` output instead of publishing (the machine or chroot
#                         being installed to needs no .NET SDK)
#   --framework-dependent publish without the .NET runtime (the target then needs .NET 10 installed);
#                         the default is a self-contained publish that needs only libc, libstdc++ and libssl3
#   --root DIR            install into the system under DIR (a chroot, a container, an image): users are
#                         added to DIR/etc/passwd, the unit is enabled there, nothing is started.
#                         (--destdir DIR is the same.)
#   --no-start            enable the service but do not start (or restart) it now
#   --no-enable           neither enable nor start it
#   --replace-opendkim    stop and disable opendkim.service (only one of the two can hold the socket)
#   --alias-opendkim      also make `systemctl restart opendkim` (the seed manual's command) act on
#                         dkim-milter; refused where an opendkim.service exists (the opendkim package)
#   -h, --help            this text
#
# What it does, each step only when something is missing or different, so a second run changes nothing:
# publishes src/Milter.Daemon; copies it to /usr/lib/dkim-milter (/usr/sbin/dkim-milter links to it); adds
# the system user and group opendkim; installs /etc/opendkim.conf and /etc/opendkim/{KeyTable,SigningTable,
# TrustedHosts} from packaging/etc only where they do not exist (an existing configuration is never
# changed) and /etc/opendkim/keys (0750, opendkim); installs the unit and the tmpfiles.d entry; checks the
# configuration with `dkim-milter -n`; then daemon-reload, enable and start.
#
# Exit status: 0 installed (and started, unless told not to or systemd is not running); 1 failed;
# 2 bad command line; 3 installed, but the configuration check failed, so the service was neither enabled
# nor started (fix what it printed, then `systemctl enable --now dkim-milter`); 4 installed, but not
# enabled because opendkim.service is enabled or running (see --replace-opendkim).
# packaging/uninstall.sh removes it again (configuration and keys stay).
set -euo pipefail

readonly repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly packaging="$repo/packaging"
readonly service=dkim-milter.service
readonly service_user=opendkim
readonly service_group=opendkim

root=/
from=
framework_dependent=no
start=yes
enable=yes
replace_opendkim=no
alias_opendkim=no

say() { printf 'install.sh: %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

while (($#)); do
    case $1 in
        --from) (($# >= 2)) || { usage >&2; exit 2; }; from=$2; shift ;;
        --from=*) from=${1#*=} ;;
        --root | --destdir) (($# >= 2)) || { usage >&2; exit 2; }; root=$2; shift ;;
        --root=* | --destdir=*) root=${1#*=} ;;
        --framework-dependent) framework_dependent=yes ;;
        --no-start) start=no ;;
        --no-enable) enable=no; start=no ;;
        --replace-opendkim) replace_opendkim=yes ;;
        --alias-opendkim) alias_opendkim=yes ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'install.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

((EUID == 0)) || die "run as root (it adds a system user, writes /usr and /etc and calls systemctl)"
[[ -d $root ]] || die "--root $root: no such directory"
root=$(cd "$root" && pwd)
# R is prepended to every installed path: empty for the running system.
if [[ $root == / ]]; then R=; else R=$root; fi
[[ -z $R ]] || say "installing into $root"

changes=0
changed() { changes=$((changes + 1)); say "$*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
systemd_running=no
[[ -z $R && -d /run/systemd/system ]] && systemd_running=yes

# --- 1. the program ---------------------------------------------------------------------------------------
if [[ -z $from ]]; then
    command -v dotnet >/dev/null || die "no dotnet here to publish with: install the .NET 10 SDK, or publish elsewhere and pass --from DIR"
    case $(uname -m) in
        x86_64) rid=linux-x64 ;;
        aarch64) rid=linux-arm64 ;;
        *) die "no .NET runtime identifier known for $(uname -m): publish by hand and pass --from DIR" ;;
    esac
    if [[ $framework_dependent == yes ]]; then
        kind=(--no-self-contained) kind_name=framework-dependent
    else
        kind=(--self-contained) kind_name=self-contained
    fi
    say "publishing src/Milter.Daemon ($rid, $kind_name; this takes a minute the first time)"
    if ! dotnet publish "$repo/src/Milter.Daemon" -c Release -r "$rid" "${kind[@]}" -o "$tmp/publish" \
        --nologo -v quiet >"$tmp/publish.log" 2>&1; then
        cat "$tmp/publish.log" >&2
        die "dotnet publish failed (output above)"
    fi
    from=$tmp/publish
fi
[[ -x $from/dkim-milter ]] || die "--from $from: no executable dkim-milter in it (expected a \`dotnet publish src/Milter.Daemon\` output)"
from=$(cd "$from" && pwd)

# Copies SRC/* to DST (a directory) where a file is missing or different, and removes from DST what SRC no
# longer has (assemblies of an older version). Counts what it did.
sync_tree() {
    local src=$1 dst=$2 file rel
    if [[ ! -d $dst ]]; then
        mkdir -p "$dst" && chmod 0755 "$dst"
    fi
    while IFS= read -r -d '' file; do
        rel=${file#"$src"/}
        if [[ -d $file ]]; then
            [[ -d $dst/$rel ]] || { mkdir -p "$dst/$rel"; chmod 0755 "$dst/$rel"; }
        elif ! cmp -s "$file" "$dst/$rel" 2>/dev/null; then
            if [[ -x $file ]]; then install -m 0755 "$file" "$dst/$rel"; else install -m 0644 "$file" "$dst/$rel"; fi
            sync_count=$((sync_count + 1))
        fi
    done < <(find "$src" -mindepth 1 -print0 | sort -z)
    while IFS= read -r -d '' file; do
        rel=${file#"$dst"/}
        if [[ ! -e $src/$rel ]]; then
            rm -rf "$file"
            sync_count=$((sync_count + 1))
        fi
    done < <(find "$dst" -mindepth 1 -depth -print0)
}

sync_count=0
sync_tree "$from" "$R/usr/lib/dkim-milter"
program_changed=$sync_count
if ((program_changed)); then
    changed "installed the program in /usr/lib/dkim-milter ($program_changed file(s) added, changed or removed)"
fi
mkdir -p "$R/usr/sbin"
if [[ $(readlink "$R/usr/sbin/dkim-milter" 2>/dev/null) != /usr/lib/dkim-milter/dkim-milter ]]; then
    [[ ! -e $R/usr/sbin/dkim-milter || -L $R/usr/sbin/dkim-milter ]] ||
        die "$R/usr/sbin/dkim-milter exists and is not our link: move it away first"
    ln -sfn /usr/lib/dkim-milter/dkim-milter "$R/usr/sbin/dkim-milter"
    changed "linked /usr/sbin/dkim-milter -> /usr/lib/dkim-milter/dkim-milter"
fi

# What the program needs on the target, reported rather than installed (apt-get is the administrator's call).
dpkg_has() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }
if [[ -d $R/var/lib/dpkg ]] && command -v dpkg-query >/dev/null; then
    missing=()
    for package in libc6 libgcc-s1 libstdc++6 libssl3; do
        dpkg_has "$package" || missing+=("$package")
    done
    ((${#missing[@]} == 0)) || warn "dkim-milter needs ${missing[*]}: apt-get install ${missing[*]}"
fi
if [[ ! -e $from/libcoreclr.so ]] && ! compgen -G "$R/usr/share/dotnet/shared/Microsoft.NETCore.App/10.*" >/dev/null &&
    ! compgen -G "$R/usr/lib/dotnet/shared/Microsoft.NETCore.App/10.*" >/dev/null; then
    warn "this is a framework-dependent build and no .NET 10 runtime was found under /usr/share/dotnet or /usr/lib/dotnet: install one, or install a self-contained build (the default without --framework-dependent)"
fi
[[ -x $R/bin/kill || -x $R/usr/bin/kill ]] ||
    warn "no /bin/kill: \`systemctl reload dkim-milter\` needs it (apt-get install procps)"

# --- 2. the service user ----------------------------------------------------------------------------------
# As Debian's opendkim package makes it: a system user and group, home /run/opendkim, no login shell.
root_args=()
[[ -z $R ]] || root_args=(--root "$root")
has_entry() { # DATABASE NAME: in the target's files, or through NSS (LDAP...) on the running system
    if [[ -z $R ]]; then getent "$1" "$2" >/dev/null; else grep -q "^$2:" "$R/etc/$1" 2>/dev/null; fi
}
if ! has_entry group "$service_group"; then
    [[ -f $R/etc/group ]] || die "$R/etc/group does not exist: --root must be an installed system (debootstrap makes one)"
    groupadd "${root_args[@]}" --system "$service_group"
    changed "added the system group $service_group"
fi
if ! has_entry passwd "$service_user"; then
    useradd "${root_args[@]}" --system --gid "$service_group" --home-dir /run/opendkim --no-create-home \
        --shell /usr/sbin/nologin --comment "dkim-milter (OpenDKIM-compatible DKIM milter)" "$service_user" 2> >(grep -v "missing or non-executable shell" >&2)
    changed "added the system user $service_user (no login shell, home /run/opendkim)"
fi
if [[ -z $R ]]; then
    uid=$(id -u "$service_user") gid=$(getent group "$service_group" | cut -d: -f3)
else
    uid=$(awk -F: -v u="$service_user" '$1 == u { print $3 }' "$R/etc/passwd")
    gid=$(awk -F: -v g="$service_group" '$1 == g { print $3 }' "$R/etc/group")
fi

# --- 3. configuration templates (never overwritten) -------------------------------------------------------
install_if_missing() { # MODE SOURCE TARGET
    if [[ -e $R$3 || -L $R$3 ]]; then
        return
    fi
    install -m "$1" -D "$2" "$R$3"
    changed "installed $3 (a template: edit it)"
}
make_dir_if_missing() { # MODE OWNER:GROUP DIR
    if [[ ! -d $R$3 ]]; then
        mkdir -p "$R$3"
        chmod "$1" "$R$3"
        chown "$2" "$R$3"
        changed "created $3 (mode $1)"
    fi
}
make_dir_if_missing 0755 0:0 /etc/opendkim
install_if_missing 0644 "$packaging/etc/opendkim.conf" /etc/opendkim.conf
for table in KeyTable SigningTable TrustedHosts; do
    install_if_missing 0644 "$packaging/etc/opendkim/$table" "/etc/opendkim/$table"
done
# Keys: readable by the service user alone, as the seed manual and RequireSafeKeys want.
make_dir_if_missing 0750 "$uid:$gid" /etc/opendkim/keys

# --- 4. systemd unit, tmpfiles.d entry, documentation -----------------------------------------------------
install_file() { # MODE SOURCE TARGET; counts a change only when the content or mode differs
    if ! cmp -s "$2" "$R$3" 2>/dev/null || [[ $(stat -c %a "$R$3") != "${1#0}" ]]; then
        install -m "$1" -D "$2" "$R$3"
        changed "installed $3"
        return 0
    fi
    return 1
}
unit_changed=no
install_file 0644 "$packaging/dkim-milter.service" /usr/lib/systemd/system/dkim-milter.service && unit_changed=yes
install_file 0644 "$packaging/dkim-milter.tmpfiles" /usr/lib/tmpfiles.d/dkim-milter.conf || true
install_file 0644 "$repo/docs/PACKAGING.md" /usr/share/doc/dkim-milter/PACKAGING.md || true
install_file 0644 "$repo/README.md" /usr/share/doc/dkim-milter/README.md || true

alias_link=/etc/systemd/system/opendkim.service
if [[ $alias_opendkim == yes ]]; then
    if [[ $(readlink "$R$alias_link" 2>/dev/null) == /usr/lib/systemd/system/$service ]]; then
        :
    elif [[ -e $R$alias_link || -L $R$alias_link || -e $R/lib/systemd/system/opendkim.service || -e $R/usr/lib/systemd/system/opendkim.service ]]; then
        die "--alias-opendkim: an opendkim.service exists (the opendkim package?); an alias would hide it. Use \`systemctl restart dkim-milter\`, or remove the opendkim package first"
    else
        # A running unit that gains an alias on daemon-reload loses track of its process (systemd 252, seen in
        # clean-install-test.sh: the daemon went on in the unit's cgroup as a "left-over process" while systemd
        # called the unit inactive). So the service is stopped first and started again below.
        if [[ $systemd_running == yes ]] && systemctl is-active --quiet "$service"; then
            systemctl stop "$service"
            say "stopped $service (to add the alias)"
        fi
        mkdir -p "$R/etc/systemd/system"
        ln -s "/usr/lib/systemd/system/$service" "$R$alias_link"
        unit_changed=yes
        changed "linked $alias_link -> $service (systemctl ... opendkim now acts on dkim-milter)"
    fi
fi

# --- 5. check the configuration ---------------------------------------------------------------------------
# As the service will read it. In another root only if its dkim-milter can run there: chrooted, with a /proc
# of its own (the .NET host needs /proc/self/exe) mounted in a private mount namespace that vanishes with it.
config_ok=unknown
check_output=$tmp/check.out
in_target() {
    if [[ -z $R ]]; then
        "$@"
    else
        unshare --mount --propagation private /bin/sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"
    fi
}
if [[ -n $R ]] && { [[ ! -d $R/proc ]] || ! command -v unshare >/dev/null || ! in_target /usr/sbin/dkim-milter -h >/dev/null 2>&1; }; then
    say "not checking the configuration: /usr/sbin/dkim-milter cannot run in $root (check there with \`dkim-milter -n\`)"
elif in_target /usr/sbin/dkim-milter -n -x /etc/opendkim.conf >"$check_output" 2>&1; then
    config_ok=yes
else
    config_ok=no
fi
if [[ $config_ok == yes ]]; then
    sed 's/^/  /' "$check_output"
    say "configuration check passed: dkim-milter -n -x /etc/opendkim.conf"
elif [[ $config_ok == no ]]; then
    sed 's/^/  /' "$check_output" >&2
    cat >&2 <<EOF
install.sh: the configuration check failed (\`dkim-milter -n -x /etc/opendkim.conf\`${R:+ in $root}): the lines above
  name each mistake with its file and line. Fix them (for a fresh install: the domain, selector and key path
  in /etc/opendkim/KeyTable and SigningTable, and the private key itself, owned by $service_user, mode 600),
  check again with \`dkim-milter -n\`, then start the service with \`systemctl enable --now dkim-milter\`.
  The service was not enabled or started.
EOF
    enable=no
    start=no
fi

# --- 6. systemd -------------------------------------------------------------------------------------------

if [[ $systemd_running == yes ]]; then
    # The runtime directory now, so that a start right after this does not wait for the next boot.
    systemd-tmpfiles --create dkim-milter.conf
    if [[ $unit_changed == yes ]]; then
        systemctl daemon-reload
    fi
fi

opendkim_state() { # prints "active", "enabled" or nothing, for opendkim.service (if it is a different unit)
    [[ -L $R$alias_link ]] && return 0
    if [[ $systemd_running == yes ]] && systemctl is-active --quiet opendkim.service; then
        echo active
    elif systemctl "${root_args[@]}" is-enabled --quiet opendkim.service 2>/dev/null; then
        echo enabled
    fi
}
blocked_by_opendkim=no
opendkim=$(opendkim_state)
if [[ -n $opendkim && $enable == yes ]]; then
    if [[ $replace_opendkim == yes ]]; then
        if [[ $systemd_running == yes ]]; then
            systemctl disable --now opendkim.service
        else
            systemctl "${root_args[@]}" disable opendkim.service
        fi
        changed "stopped and disabled opendkim.service (--replace-opendkim)"
    else
        cat >&2 <<EOF
install.sh: opendkim.service is $opendkim${R:+ in $root}. Both cannot hold the socket: starting dkim-milter would stop
  opendkim (Conflicts=), and with both enabled the next boot starts one of them at random. Run again with
  --replace-opendkim to stop and disable opendkim.service (the opendkim package stays installed and its
  configuration, which dkim-milter reads, is untouched), or switch by hand:
    systemctl disable --now opendkim && systemctl enable --now dkim-milter
  dkim-milter was installed but not enabled.
EOF
        enable=no
        start=no
        blocked_by_opendkim=yes
    fi
fi

if [[ $enable == yes ]]; then
    if ! systemctl "${root_args[@]}" is-enabled --quiet "$service" 2>/dev/null; then
        systemctl "${root_args[@]}" enable --quiet "$service"
        changed "enabled $service (starts at boot)"
    fi
fi
if [[ $start == yes && $systemd_running == yes ]]; then
    if systemctl is-active --quiet "$service"; then
        if ((program_changed)) || [[ $unit_changed == yes ]]; then
            systemctl restart "$service"
            changed "restarted $service (new program or unit)"
        fi
    else
        if ! systemctl start "$service"; then
            systemctl --no-pager --lines=20 status "$service" >&2 || true
            die "$service did not start (status above; the full log: journalctl -u dkim-milter)"
        fi
        changed "started $service"
    fi
    systemctl --no-pager --lines=0 status "$service" | sed -n '1,3p'
elif [[ $start == yes && -z $R ]]; then
    say "systemd is not running here (not PID 1): the service starts at the next boot; to run it now in the foreground: /usr/sbin/dkim-milter -f"
fi

((changes)) || say "nothing to do: everything was already installed"
[[ $config_ok == no ]] && exit 3
[[ $blocked_by_opendkim == yes ]] && exit 4
exit 0
