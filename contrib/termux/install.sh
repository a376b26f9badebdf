#!/data/data/com.termux/files/usr/bin/sh
# Install clawwatch on Android, in Termux (https://termux.dev), in one step:
#
#   sh contrib/termux/install.sh [--binary PATH] [--job-id N] [--service]
#                                [--no-widget] [--force-config]
#
#   --binary PATH    copy this clawwatch binary to $PREFIX/bin instead of
#                    building (default: `cargo build --release` when run from
#                    the source tree and cargo is installed, else keep an
#                    existing $PREFIX/bin/clawwatch)
#   --job-id N       termux-job-scheduler job id (default 9847)
#   --service        keep the daemon running under termux-services (runit)
#                    instead of the 15-minute job (cancels the job)
#   --no-widget      no Termux:Widget shortcut
#   --force-config   overwrite an existing ~/.config/clawwatch/clawwatch.toml
#
# What it does:
#   1. checks that termux-api is there (termux-job-scheduler, termux-notification)
#   2. builds or copies the binary to $PREFIX/bin/clawwatch
#   3. installs the job script and the notification helper in
#      $PREFIX/libexec/clawwatch/
#   4. writes ~/.config/clawwatch/clawwatch.toml (if absent): alerts go through
#      the [[alert.command]] channel to termux-notification, one notification per
#      credential (stable --id), priority by severity, a button opening the
#      provider's re-auth page with termux-open-url
#   5. registers the job: termux-job-scheduler --job-id N --period-ms 900000
#      --persisted true --script $PREFIX/libexec/clawwatch/job (every 15 minutes,
#      the shortest period Android allows, kept across reboots), which runs
#      `clawwatch once`; or, with --service, $PREFIX/var/service/clawwatch
#   6. adds the widget shortcut ~/.shortcuts/clawwatch-status (termux-toast)
#
# Building on the phone: `pkg install rust clang` then run this script from the
# source tree. The crate is Termux-friendly by choice: TLS is rustls (no
# OpenSSL to find or link), SQLite is compiled in (rusqlite "bundled"), and the
# CA roots are compiled in too (webpki-roots, used by ureq and lettre), so HTTPS
# alerts need neither Android's CA store nor a platform verifier (which would
# need a JVM). Keep it that way: no native-tls, no rustls-platform-verifier.
#
# POSIX sh; honours $PREFIX and $HOME (and XDG_CONFIG_HOME / XDG_STATE_HOME).
set -eu

me=${0##*/}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

die() {
    printf '%s: %s\n' "$me" "$*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//'
}

binary=
job_id=9847
service=0
widget=1
force_config=0

need_arg() {
    [ "$#" -ge 2 ] || die "$1 needs a value (try --help)"
}

while [ "$#" -gt 0 ]; do
    case $1 in
        --binary) need_arg "$@"; binary=$2; shift ;;
        --binary=*) binary=${1#*=} ;;
        --job-id) need_arg "$@"; job_id=$2; shift ;;
        --job-id=*) job_id=${1#*=} ;;
        --service) service=1 ;;
        --no-widget) widget=0 ;;
        --force-config) force_config=1 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done

case $job_id in
    '' | *[!0-9]*) die "--job-id must be a number: $job_id" ;;
esac

PREFIX=${PREFIX:-/data/data/com.termux/files/usr}
[ -n "${HOME:-}" ] || die "HOME is not set"
[ -d "$PREFIX" ] || die "PREFIX=$PREFIX does not exist: run this inside Termux"

# 1. termux-api: the package gives the commands, the Termux:API app does the work.
missing=
for cmd in termux-notification termux-job-scheduler; do
    if [ "$cmd" = termux-job-scheduler ] && [ "$service" = 1 ]; then
        continue
    fi
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done
if [ -n "$missing" ]; then
    {
        printf '%s: termux-api is missing (not on PATH:%s).\n' "$me" "$missing"
        printf '  1. pkg install termux-api\n'
        printf '  2. install the Termux:API app from the same place as your Termux app\n'
        printf '     (F-Droid or GitHub releases; Google Play builds do not mix with them),\n'
        printf '     and allow it to show notifications.\n'
        printf 'Then run this script again.\n'
    } >&2
    exit 1
fi

sed_escape() {
    printf '%s\n' "$1" | sed -e 's/[\\|&]/\\&/g'
}

# A copy of a script with its shebang pointing at this Termux's sh.
install_script() { # src dest
    mkdir -p -- "$(dirname -- "$2")"
    sed -e "1s|^#!.*|#!$(sed_escape "$PREFIX/bin/sh")|" "$1" >"$2.tmp.$$"
    chmod 0755 "$2.tmp.$$"
    mv -f -- "$2.tmp.$$" "$2"
}

# 2. the binary
bin=$PREFIX/bin/clawwatch
root=$(CDPATH='' cd -- "$here/../.." && pwd)
if [ -n "$binary" ]; then
    { [ -f "$binary" ] && [ -x "$binary" ]; } || die "not an executable file: $binary"
elif [ -f "$root/Cargo.toml" ] && grep -q '^name = "clawwatch"' "$root/Cargo.toml" &&
    command -v cargo >/dev/null 2>&1; then
    printf 'building clawwatch in %s (cargo build --release; a few minutes on a phone)\n' "$root"
    (cd "$root" && cargo build --release --locked) || die "cargo build failed"
    case ${CARGO_TARGET_DIR:-} in
    /*) binary=$CARGO_TARGET_DIR/release/clawwatch ;;
    '') binary=$root/target/release/clawwatch ;;
    *) binary=$root/$CARGO_TARGET_DIR/release/clawwatch ;;
    esac
    [ -x "$binary" ] || die "the build did not produce $binary"
elif [ -x "$bin" ]; then
    binary=$bin
else
    die "no clawwatch binary: run this from the source tree with cargo installed (pkg install rust clang), or pass --binary PATH"
fi
mkdir -p -- "$PREFIX/bin"
if [ "$binary" != "$bin" ]; then
    cp -f -- "$binary" "$bin.tmp.$$"
    chmod 0755 "$bin.tmp.$$"
    mv -f -- "$bin.tmp.$$" "$bin"
fi
printf 'clawwatch: %s\n' "$bin"

# 3. the job script and the notification helper
libexec=$PREFIX/libexec/clawwatch
install_script "$here/clawwatch-job" "$libexec/job"
install_script "$here/clawwatch-notify" "$libexec/notify"
printf 'helpers: %s/job, %s/notify\n' "$libexec" "$libexec"

# 4. the config
config_dir=${XDG_CONFIG_HOME:-$HOME/.config}/clawwatch
config=$config_dir/clawwatch.toml
state_dir=${OPENCLAW_STATE_DIR:-}

toml_str() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/[\\"]/\\&/g')"
}

write_config() {
    cat <<EOF
# clawwatch.toml for Termux, written by contrib/termux/install.sh.
# Every key is optional: \`clawwatch config example\` lists them all.
# Check it with: clawwatch config check --config $config

# OpenClaw's state dir; "" = \$OPENCLAW_STATE_DIR, else ~/.openclaw. Written
# here because the job does not read your shell's profile.
state_dir = $(toml_str "$state_dir")

[check]
# Used by the daemon (install.sh --service); the job runs every 15 minutes.
schedule = "*/15 * * * *"
warn_within = "24h"

[metrics]
# The daemon serves http://127.0.0.1:9847/metrics (loopback only); the job
# writes ~/.local/state/clawwatch/clawwatch.prom.
listen = "127.0.0.1:9847"

[alert]
repeat_every = "12h"
send_resolved = true

# One Android notification per credential through termux-notification: the
# helper gives it a stable --id (agent + provider + profile, so a new notice
# replaces the last), a priority by severity, and a button that opens the
# provider's re-auth page with termux-open-url. No shell is involved.
[[alert.command]]
name = "termux-notification"
argv = [$(toml_str "$libexec/notify"), "{severity}", "{agent}", "{provider}", "{profile}", "{title}", "{message}", "{status}"]
EOF
}

if [ -e "$config" ] && [ "$force_config" = 0 ]; then
    printf 'keeping the existing config %s (--force-config replaces it)\n' "$config"
else
    mkdir -p -- "$config_dir"
    (umask 077 && write_config >"$config.tmp.$$")
    mv -f -- "$config.tmp.$$" "$config"
    printf 'config: %s\n' "$config"
fi
if ! check_out=$("$bin" config check --config "$config" 2>&1); then
    printf '%s: WARNING: clawwatch config check rejects %s:\n%s\n' "$me" "$config" "$check_out" >&2
    printf '%s: the job will fail until the config is fixed (is the binary older than the script?)\n' "$me" >&2
fi

# 5. the job, or the runit service
if [ "$service" = 1 ]; then
    sv_dir=$PREFIX/var/service/clawwatch
    install_script "$here/service/run" "$sv_dir/run"
    install_script "$here/service/log/run" "$sv_dir/log/run"
    printf 'service: %s\n' "$sv_dir"
    if command -v termux-job-scheduler >/dev/null 2>&1; then
        # Only one of the two should alert.
        termux-job-scheduler --cancel --job-id "$job_id" >/dev/null 2>&1 || true
    fi
else
    termux-job-scheduler --job-id "$job_id" --period-ms 900000 --persisted true \
        --script "$libexec/job" || die "termux-job-scheduler failed (is the Termux:API app installed?)"
    printf 'job %s: %s/job every 15 minutes, kept across reboots\n' "$job_id" "$libexec"
fi

# 6. the widget shortcut
if [ "$widget" = 1 ]; then
    shortcut=$HOME/.shortcuts/clawwatch-status
    install_script "$here/shortcuts/clawwatch-status" "$shortcut"
    case $state_dir in
        *"'"*) printf '%s: OPENCLAW_STATE_DIR holds a quote; set state_dir in %s by hand\n' "$me" "$shortcut" >&2 ;;
        ?*)
            sed -e "s|^state_dir=''\$|state_dir='$(sed_escape "$state_dir")'|" \
                "$shortcut" >"$shortcut.tmp.$$"
            chmod 0755 "$shortcut.tmp.$$"
            mv -f -- "$shortcut.tmp.$$" "$shortcut"
            ;;
    esac
    chmod 0700 "$HOME/.shortcuts"
    printf 'widget: %s (add the Termux:Widget widget to the home screen)\n' "$shortcut"
fi

cat <<EOF

Done. Try it now:
  $libexec/job; echo "exit \$?"     # 0 ok, 1 expired/missing, 2 expiring
  clawwatch status
Metrics on the phone:
  cat ${XDG_STATE_HOME:-$HOME/.local/state}/clawwatch/clawwatch.prom   # written by each job run
  curl -s 127.0.0.1:9847/metrics                 # while the daemon runs (--service)
EOF
if [ "$service" = 1 ]; then
    cat <<EOF
Start the daemon (pkg install termux-services, then restart Termux once):
  sv-enable clawwatch
EOF
else
    printf 'Pending jobs: termux-job-scheduler --pending\n'
fi
