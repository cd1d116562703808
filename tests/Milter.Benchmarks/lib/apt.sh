# Sourced by the benchmark scripts that install what they compare against.
#
# apt_install PACKAGE...   apt-get install (after an update if the first try fails), output in $TMP/apt.log, exit 69
#                          on failure. Packages with services (opendkim, postgresql) are kept from starting them
#                          (a policy-rc.d, only if there is none already): the scripts start their own instances.

apt_install() {
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$TMP/apt.log" 2>&1 || {
        DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$TMP/apt.log" 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$TMP/apt.log" 2>&1
    } || { ((made_policy)) && rm -f "$policy"; cat "$TMP/apt.log" >&2; exit 69; }
    if ((made_policy)); then
        rm -f "$policy"
    fi
}
