#!/bin/bash
# Check an installed clawwatch package: the binary names its commit, the man
# pages render, the units pass `systemd-analyze verify`, bash completes
# `clawwatch st<TAB>`. Run as root after `dpkg -i` (CI does):
#   bash contrib/debian/check-installed.sh [EXPECTED_REVISION]
set -euo pipefail
fail() { printf 'check-installed: %s\n' "$*" >&2; exit 1; }

version=$(clawwatch --version)
printf '%s\n' "$version"
if [ -n "${1:-}" ]; then
    case $version in *"(revision $1,"*) ;; *) fail "--version does not name commit $1" ;; esac
fi

for page in clawwatch clawwatch-check clawwatch-run; do
    MANPAGER=cat MANWIDTH=80 man "$page" 2>/dev/null | grep -q "^NAME" || fail "man $page does not render"
done

# System templates, for an instance user; user units with a runtime dir of
# their own (there is no user manager in CI).
out=$(systemd-analyze verify /usr/lib/systemd/system/clawwatch@alice.service \
    /usr/lib/systemd/system/clawwatch-once@alice.service \
    /usr/lib/systemd/system/clawwatch-once@alice.timer 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warned: $out"
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
for u in clawwatch.service clawwatch-once.service clawwatch-once.timer; do
    out=$(XDG_RUNTIME_DIR=$runtime systemd-analyze verify --user "/usr/lib/systemd/user/$u" 2>&1) ||
        fail "systemd-analyze verify --user $u: $out"
    [ -z "$out" ] || fail "systemd-analyze verify --user $u warned: $out"
done

# What bash-completion's loader finds for clawwatch, asked as bash asks it.
completed=$(bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    _completion_loader clawwatch
    fn=$(complete -p clawwatch | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    COMP_WORDS=(clawwatch st); COMP_CWORD=1; COMP_LINE="clawwatch st"; COMP_POINT=12
    "$fn" clawwatch st clawwatch
    printf "%s\n" "${COMPREPLY[@]}"')
[ "$completed" = status ] || fail "bash completes 'clawwatch st' to '$completed', not 'status'"
echo "check-installed: ok"
