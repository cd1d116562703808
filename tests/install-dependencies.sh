#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive (a real Postfix, miltertest, OpenDKIM, dkimpy,
# swaks) when any is missing. Needs root for the install; does nothing when all are there.
set -euo pipefail

# libopendbx1-pgsql: the real OpenDKIM reads dsn:pgsql:// tables through OpenDBX; the parity tests give it ours.
packages=(postfix miltertest opendkim opendkim-tools python3-dkim swaks postgresql libopendbx1-pgsql)
missing=()
for package in "${packages[@]}"; do
    # Not just `dpkg -s`: that also succeeds for a removed package whose config files remain.
    if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed$'; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    if ((EUID != 0)); then
        echo "install-dependencies.sh: missing ${missing[*]}; run as root (or apt-get install them) first" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}"
    # Without an answer, installing postfix asks how to set up the machine's own mail system.
    # "No configuration" writes no /etc/postfix/main.cf, so the system Postfix never starts; the
    # tests run private instances and only need the binaries and /etc/postfix/master.cf.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

