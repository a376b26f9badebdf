# shellcheck shell=bash
# Shared set-up for the Termux tests: a fake Termux ($PREFIX with bin/sh, a
# $HOME) and stub termux-* commands on PATH that append their argv, one call
# per line, to $STUB_LOG.

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
# shellcheck disable=SC2034 # used by the .bats files that load this one
TERMUX_DIR=$REPO_ROOT/contrib/termux

# A stub command: logs "name arg arg …" (newlines in an argument become
# spaces), prints $STUB_<NAME>_OUT if set, exits $STUB_<NAME>_EXIT (default 0).
make_stub() { # dir name
    cat >"$1/$2" <<'EOF'
#!/bin/sh
n=${0##*/}
{
    printf '%s' "$n"
    for a in "$@"; do printf ' %s' "$(printf '%s' "$a" | tr '\n' ' ')"; done
    printf '\n'
} >>"$STUB_LOG"
var=$(printf '%s' "$n" | tr 'a-z-' 'A-Z_')
eval "out=\${STUB_${var}_OUT:-}"
eval "rc=\${STUB_${var}_EXIT:-0}"
# shellcheck disable=SC2154
[ -z "$out" ] || printf '%s\n' "$out"
exit "$rc"
EOF
    chmod +x "$1/$2"
}

termux_setup() {
    T=$BATS_TEST_TMPDIR
    export PREFIX=$T/usr HOME=$T/home STUB_LOG=$T/stub.log
    mkdir -p "$PREFIX/bin" "$HOME" "$T/stubs" "$T/api"
    # Termux's shebangs point at $PREFIX/bin/sh.
    ln -s /bin/sh "$PREFIX/bin/sh"
    : >"$STUB_LOG"
    # termux-api (a separate directory, so a test can leave it off PATH).
    for c in termux-job-scheduler termux-notification termux-toast termux-open-url termux-wake-lock; do
        make_stub "$T/api" "$c"
    done
    # A clawwatch stand-in and cargo, for the tests that do not need the real one.
    make_stub "$T/stubs" clawwatch
    make_stub "$T/stubs" cargo
    export PATH=$T/api:/usr/local/bin:/usr/bin:/bin
    unset XDG_CONFIG_HOME XDG_STATE_HOME OPENCLAW_STATE_DIR
    # clawwatch reads every CLAWWATCH_* variable as a config override.
    for v in $(env | sed -n 's/^\(CLAWWATCH_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
}

# The real debug binary, or "" when it is not built.
real_clawwatch() {
    local b=${TEST_CLAWWATCH_BIN:-$REPO_ROOT/target/debug/clawwatch}
    [ -x "$b" ] && printf '%s\n' "$b"
}

# skip, or fail under CI=true.
skip_or_fail() {
    if [ "${CI:-}" = true ]; then
        echo "required in CI: $1" >&2
        return 1
    fi
    skip "$1"
}

# Assert $STUB_LOG has a line containing the fixed string $1.
assert_logged() {
    if ! grep -qF -- "$1" "$STUB_LOG"; then
        printf 'not in the stub log: %s\n--- %s:\n' "$1" "$STUB_LOG" >&2
        cat "$STUB_LOG" >&2
        return 1
    fi
}

refute_logged() {
    if grep -qF -- "$1" "$STUB_LOG"; then
        printf 'unexpected in the stub log: %s\n' "$1" >&2
        cat "$STUB_LOG" >&2
        return 1
    fi
}
