#!/usr/bin/env bash
# Removes what packaging/install.sh installed: stops and disables dkim-milter.service, removes the unit, the
# tmpfiles.d entry, the opendkim.service alias (--alias-opendkim), /usr/sbin/dkim-milter, /usr/lib/dkim-milter
# and /usr/share/doc/dkim-milter.
#
#   sudo packaging/uninstall.sh [--root DIR]
#
# Kept, like `apt-get remove` keeps them: /etc/opendkim.conf, /etc/opendkim (tables and private keys) and
# the opendkim user and group, which the opendkim package (or a reinstall) uses as they are. Remove them by
# hand if nothing needs them. To go back to OpenDKIM: apt-get install opendkim, then
# systemctl enable --now opendkim.
set -euo pipefail

root=/
while (($#)); do
    case $1 in
        --root | --destdir) root=$2; shift ;;
        --root=* | --destdir=*) root=${1#*=} ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
((EUID == 0)) || { echo "uninstall.sh: run as root" >&2; exit 1; }
root=$(cd "$root" && pwd)
if [[ $root == / ]]; then R=; root_args=(); else R=$root; root_args=(--root "$root"); fi
say() { printf 'uninstall.sh: %s\n' "$*"; }

removed=0
remove() { # PATH...
    local path
    for path; do
        if [[ -e $R$path || -L $R$path ]]; then
            rm -rf "$R$path"
            say "removed $path"
            removed=$((removed + 1))
        fi
    done
}

if [[ -e $R/usr/lib/systemd/system/dkim-milter.service ]]; then
    if [[ -z $R && -d /run/systemd/system ]]; then
        systemctl disable --now --quiet dkim-milter.service || true
    else
        systemctl "${root_args[@]}" disable --quiet dkim-milter.service || true
    fi
    say "disabled dkim-milter.service"
fi
if [[ $(readlink "$R/etc/systemd/system/opendkim.service" 2>/dev/null) == /usr/lib/systemd/system/dkim-milter.service ]]; then
    remove /etc/systemd/system/opendkim.service
fi
remove /usr/lib/systemd/system/dkim-milter.service /usr/lib/tmpfiles.d/dkim-milter.conf \
    /usr/sbin/dkim-milter /usr/lib/dkim-milter /usr/share/doc/dkim-milter
if [[ -z $R && -d /run/systemd/system ]]; then
    systemctl daemon-reload
fi
((removed)) || say "nothing to remove"
say "kept /etc/opendkim.conf, /etc/opendkim (tables, keys) and the opendkim user"
