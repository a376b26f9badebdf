#!/bin/sh
# Install clawwatch's systemd units (daemon, and one-shot service + 15-minute
# timer) with the real binary path and the right OpenClaw home.
#
#   install.sh [--user|--system] [--dry-run] [--enable] [--timer]
#              [--binary PATH] [--home DIR] [--user-name NAME] [--config FILE]
#
#   --user        (default) units in ${XDG_CONFIG_HOME:-~/.config}/systemd/user,
#                 config in ${XDG_CONFIG_HOME:-~/.config}/clawwatch/clawwatch.toml
#   --system      units in /etc/systemd/system running as --user-name (the
#                 OpenClaw user), config in /etc/clawwatch/clawwatch.toml
#   --dry-run     print what would be written and run; change nothing
#   --enable      also run the systemctl (and loginctl) commands, instead of
#                 only printing them
#   --timer       enable the 15-minute timer instead of the daemon
#   --binary      clawwatch binary (default: `command -v clawwatch`)
#   --home        the OpenClaw user's home (default: %h for --user, the
#                 user's home from the passwd database for --system)
#   --user-name   the OpenClaw user (default: the current user)
#   --config      config file path written into the units
#
# DESTDIR=/some/root is prepended to every path written (packaging, tests).
# Nothing here holds a secret: put them in the EnvironmentFile
# (clawwatch.env, mode 0600) or in files named by the config's *_file keys.
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

mode=user
dry_run=0
enable=0
unit=clawwatch.service
binary=
home=
user_name=
config=

need_arg() {
    [ "$#" -ge 2 ] || die "$1 needs a value (try --help)"
}

while [ "$#" -gt 0 ]; do
    case $1 in
        --user) mode=user ;;
        --system) mode=system ;;
        --dry-run) dry_run=1 ;;
        --enable) enable=1 ;;
        --timer) unit=clawwatch-once.timer ;;
        --binary) need_arg "$@"; binary=$2; shift ;;
        --binary=*) binary=${1#*=} ;;
        --home) need_arg "$@"; home=$2; shift ;;
        --home=*) home=${1#*=} ;;
        --user-name) need_arg "$@"; user_name=$2; shift ;;
        --user-name=*) user_name=${1#*=} ;;
        --config) need_arg "$@"; config=$2; shift ;;
        --config=*) config=${1#*=} ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done

destdir=${DESTDIR:-}

# A value written into a unit file: absolute, and only characters that need no
# quoting or escaping there (no spaces, quotes, '$', '%' or '\').
check_path() {
    case $2 in
        /*) ;;
        *) die "$1 must be an absolute path: $2" ;;
    esac
    case $2 in
        *[!A-Za-z0-9._/@+:,=-]*)
            die "$1 contains characters a unit file would need escaped: $2" ;;
    esac
}

# --- the binary -------------------------------------------------------------
if [ -z "$binary" ]; then
    binary=$(command -v clawwatch 2>/dev/null) ||
        die "clawwatch is not on PATH; build it (cargo build --release) and pass --binary PATH"
fi
case $binary in
    /*) ;;
    */*) binary=$(CDPATH='' cd -- "$(dirname -- "$binary")" && pwd)/${binary##*/} ;;
    *) die "--binary must be a path: $binary" ;;
esac
check_path --binary "$binary"
[ -x "$binary" ] || die "not an executable file: $binary"

# --- the user and the OpenClaw home -----------------------------------------
[ -n "$user_name" ] || user_name=$(id -un)
case $user_name in
    '' | -* | *[!A-Za-z0-9._-]*) die "invalid --user-name: $user_name" ;;
esac

passwd_home() {
    if command -v getent >/dev/null 2>&1; then
        getent passwd "$1" | cut -d: -f6
    else
        awk -F: -v u="$1" '$1 == u { print $6 }' /etc/passwd
    fi
}

if [ "$mode" = system ]; then
    case $user_name in
        root | nobody) die "refusing User=$user_name: pass --user-name, the user OpenClaw runs as" ;;
    esac
    if [ -z "$home" ]; then
        home=$(passwd_home "$user_name")
        [ -n "$home" ] || die "unknown user $user_name: pass --user-name NAME or --home DIR"
    fi
    check_path --home "$home"
    unit_dir=/etc/systemd/system
    [ -n "$config" ] || config=/etc/clawwatch/clawwatch.toml
    check_path --config "$config"
    config_in_unit=$config
    systemctl=systemctl
else
    if [ -n "$home" ]; then
        check_path --home "$home"
    else
        home=%h
    fi
    [ -n "${HOME:-}" ] || die "HOME is not set"
    xdg_config=${XDG_CONFIG_HOME:-$HOME/.config}
    unit_dir=$xdg_config/systemd/user
    [ -n "$config" ] || config=$xdg_config/clawwatch/clawwatch.toml
    check_path --config "$config"
    # Inside the user's home: write it as %h/… (the unit then follows the home).
    case $config in
        "$HOME"/*) config_in_unit=%h/${config#"$HOME"/} ;;
        *) config_in_unit=$config ;;
    esac
    systemctl='systemctl --user'
fi

if [ "$mode" = system ] && [ "$dry_run" = 0 ] && [ -z "$destdir" ] && [ "$(id -u)" != 0 ]; then
    die "--system writes /etc/systemd/system: run as root (or use --user, or --dry-run)"
fi

# --- the units ----------------------------------------------------------------
sed_escape() {
    printf '%s\n' "$1" | sed -e 's/[\\|&]/\\&/g'
}

render() {
    printf '# Written by clawwatch contrib/systemd/install.sh from %s/%s.\n' "$mode" "${1##*/}"
    sed -e "s|@BINARY@|$(sed_escape "$binary")|g" \
        -e "s|@OPENCLAW_HOME@|$(sed_escape "$home")|g" \
        -e "s|@USER@|$(sed_escape "$user_name")|g" \
        -e "s|@CONFIG@|$(sed_escape "$config_in_unit")|g" \
        "$1"
}

write_file() { # path mode; contents on stdin
    if [ "$dry_run" = 1 ]; then
        printf '### would write %s (mode %s):\n' "$destdir$1" "$2"
        cat
        printf '\n'
    else
        mkdir -p -- "$destdir$(dirname -- "$1")"
        tmp=$destdir$1.tmp.$$
        (umask 077 && cat >"$tmp")
        chmod "$2" "$tmp"
        mv -f -- "$tmp" "$destdir$1"
        printf 'wrote %s\n' "$destdir$1"
    fi
}

for name in clawwatch.service clawwatch-once.service clawwatch-once.timer; do
    src=$here/$mode/$name
    [ -f "$src" ] || die "missing template $src"
    render "$src" | write_file "$unit_dir/$name" 0644
done

# --- a default config, if there is none ----------------------------------------
default_config() {
    if ! "$binary" config example 2>/dev/null; then
        printf '%s\n' '# clawwatch.toml: every key is optional (see: clawwatch config example).' \
            'state_dir = ""' '' '[metrics]' 'listen = "127.0.0.1:9847"'
    fi
}

if [ -e "$destdir$config" ]; then
    printf 'keeping the existing config %s\n' "$destdir$config"
else
    if [ "$mode" = system ]; then cmode=0644; else cmode=0600; fi
    default_config | write_file "$config" "$cmode"
fi

# --- what to run --------------------------------------------------------------
other=clawwatch-once.timer
[ "$unit" = clawwatch.service ] || other=clawwatch.service
set -- "$systemctl daemon-reload" "$systemctl enable --now $unit"
if [ "$mode" = user ]; then
    set -- "$@" "loginctl enable-linger $user_name"
fi

if [ "$enable" = 1 ] && [ "$dry_run" = 0 ] && [ -z "$destdir" ]; then
    for cmd in "$@"; do
        printf '+ %s\n' "$cmd"
        # Word splitting of the command line is intended: plain words only.
        # shellcheck disable=SC2086
        $cmd || die "failed: $cmd"
    done
else
    if [ "$dry_run" = 1 ]; then
        printf '### then run:\n'
    else
        printf '\nNow run:\n'
    fi
    for cmd in "$@"; do
        printf '  %s\n' "$cmd"
    done
fi
if [ "$mode" = user ]; then
    printf '(enable-linger keeps user services running after logout and starts them at boot.)\n'
fi
printf 'Use either %s or %s, not both: both would alert.\n' "$unit" "$other"
printf 'Secrets go in %s (mode 0600) or in files named by the config'"'"'s *_file keys, never in the unit.\n' \
    "$(if [ "$mode" = system ]; then echo /etc/clawwatch/clawwatch.env; else echo "$HOME/.config/clawwatch/clawwatch.env"; fi)"
