#!/bin/sh
# Build the Debian package clawwatch_<version>_<arch>.deb with dpkg-deb.
#
#   sh contrib/debian/build-deb.sh [OUTDIR]      (default OUTDIR: target/debian)
#
# Builds the release binary (cargo build --release --locked; CARGO_TARGET_DIR
# is honoured), then lays out the package: /usr/bin/clawwatch; systemd units
# (system templates clawwatch@.service, clawwatch-once@.{service,timer} whose
# instance is the OpenClaw user, and the user units); /etc/clawwatch/clawwatch.toml
# (a conffile: the commented example); man pages; bash, zsh and fish
# completions; the Prometheus rules, Alertmanager and Grafana examples under
# /usr/share/clawwatch; copyright and changelog under /usr/share/doc/clawwatch.
# Needs dpkg-dev (dpkg-deb, dpkg-shlibdeps). Prints the package's path.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$repo/target/debian"}
target_dir=${CARGO_TARGET_DIR:-"$repo/target"}
case $target_dir in /*) ;; *) target_dir="$repo/$target_dir" ;; esac

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
arch=$(dpkg --print-architecture)
maintainer="clawwatch developers <clawwatch@users.noreply.github.com>"

# CLAWWATCH_DEB_BINARY: package this binary instead of building one.
if [ -n "${CLAWWATCH_DEB_BINARY:-}" ]; then
    bin=$CLAWWATCH_DEB_BINARY
else
    (cd "$repo" && cargo build --release --locked --quiet)
    bin="$target_dir/release/clawwatch"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
umask 022

# d MODE DIR...: directories; f MODE SRC DEST: a file.
d() { mode=$1; shift; for x in "$@"; do install -d -m "$mode" "$root/$x"; done; }
f() { install -m "$1" "$2" "$root/$3"; }

d 0755 usr/bin etc/clawwatch usr/lib/systemd/system usr/lib/systemd/user \
    usr/share/man/man1 usr/share/bash-completion/completions \
    usr/share/zsh/vendor-completions usr/share/fish/vendor_completions.d \
    usr/share/clawwatch/prometheus usr/share/clawwatch/grafana \
    usr/share/doc/clawwatch
f 0755 "$bin" usr/bin/clawwatch

# System units: templates, the instance is the OpenClaw user
# (systemctl enable --now clawwatch@alice.service). systemd sets HOME from
# User=, so the unit needs no home path; each instance has its own state dir.
render_system() {
    printf '# %s, from the clawwatch Debian package (source: contrib/systemd/system/%s).\n' \
        "$2" "$(basename "$1")"
    printf '# A template: the instance is the user OpenClaw runs as, e.g.\n'
    printf '#   systemctl enable --now %s\n' "$(printf %s "$2" | sed 's/@\./@alice./')"
    printf '# State: /var/lib/clawwatch/<user>/. Config: /etc/clawwatch/clawwatch.toml.\n'
    printf '# Secrets: /etc/clawwatch/clawwatch.env (mode 0600), never Environment=.\n\n'
    sed -e '1,/^$/d' \
        -e 's|@BINARY@|/usr/bin/clawwatch|g' \
        -e 's|@USER@|%i|g' \
        -e 's|@CONFIG@|/etc/clawwatch/clawwatch.toml|g' \
        -e '/^Environment=HOME=/d' \
        -e 's|^StateDirectory=clawwatch$|StateDirectory=clawwatch/%i|' \
        -e 's|%S/clawwatch\b|%S/clawwatch/%i|g' \
        -e 's|/run/credentials/clawwatch.service/|/run/credentials/%n/|g' \
        -e 's|^Documentation=|Documentation=man:clawwatch(1) |' \
        "$1"
}
# User units: for `systemctl --user enable --now clawwatch.service`; the
# config is the default one (~/.config/clawwatch/clawwatch.toml).
render_user() {
    sed -e 's|@BINARY@|/usr/bin/clawwatch|g' \
        -e 's| --config @CONFIG@||g' \
        -e '/^Environment=HOME=/d' \
        -e 's|^Documentation=|Documentation=man:clawwatch(1) |' \
        "$1"
}
sysd="$repo/contrib/systemd"
for u in clawwatch.service clawwatch-once.service clawwatch-once.timer; do
    t=$(printf %s "$u" | sed 's/\./@./')
    render_system "$sysd/system/$u" "$t" >"$root/usr/lib/systemd/system/$t"
done
for u in clawwatch.service clawwatch-once.service clawwatch-once.timer; do
    render_user "$sysd/user/$u" >"$root/usr/lib/systemd/user/$u"
done
chmod 0644 "$root"/usr/lib/systemd/system/* "$root"/usr/lib/systemd/user/*

"$bin" config example >"$root/etc/clawwatch/clawwatch.toml"
chmod 0644 "$root/etc/clawwatch/clawwatch.toml"

for page in "$repo"/contrib/man/*.1; do
    name=${page##*/}
    gzip -9n <"$page" >"$root/usr/share/man/man1/$name.gz"
done
"$bin" completions bash >"$root/usr/share/bash-completion/completions/clawwatch"
"$bin" completions zsh >"$root/usr/share/zsh/vendor-completions/_clawwatch"
"$bin" completions fish >"$root/usr/share/fish/vendor_completions.d/clawwatch.fish"
chmod 0644 "$root"/usr/share/*/completions/clawwatch "$root"/usr/share/zsh/vendor-completions/_clawwatch \
    "$root"/usr/share/fish/vendor_completions.d/clawwatch.fish

f 0644 "$repo/contrib/prometheus/alerts.yml" usr/share/clawwatch/prometheus/alerts.yml
f 0644 "$repo/contrib/prometheus/prometheus.yml" usr/share/clawwatch/prometheus/prometheus.yml
f 0644 "$repo/contrib/grafana/clawwatch-dashboard.json" usr/share/clawwatch/grafana/clawwatch-dashboard.json
if [ -d "$repo/contrib/alertmanager" ]; then
    d 0755 usr/share/clawwatch/alertmanager
    for x in "$repo"/contrib/alertmanager/*.yml; do
        f 0644 "$x" "usr/share/clawwatch/alertmanager/$(basename "$x")"
    done
fi
# The YAML parser behind --web.config.file is unsafe-libyaml, libyaml
# translated to Rust and compiled into the binary: lintian sees libyaml's
# strings, but there is no C library Debian could link instead.
d 0755 usr/share/lintian/overrides
cat >"$root/usr/share/lintian/overrides/clawwatch" <<'OVERRIDES'
# unsafe-libyaml (libyaml translated to Rust, via serde_yaml_ng) is compiled in;
# there is no shared C library to link instead.
clawwatch: embedded-library libyaml [usr/bin/clawwatch]
OVERRIDES
chmod 0644 "$root/usr/share/lintian/overrides/clawwatch"
sh "$repo/contrib/debian/copyright.sh" "$repo" >"$root/usr/share/doc/clawwatch/copyright"
chmod 0644 "$root/usr/share/doc/clawwatch/copyright"
{
    printf 'clawwatch (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Package built from the clawwatch source tree.\n\n'
    printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$root/usr/share/doc/clawwatch/changelog.gz"
chmod 0644 "$root/usr/share/doc/clawwatch/changelog.gz"

# Depends from the binary's shared libraries, as debhelper computes them.
mkdir -p "$stage/shlibs/debian"
printf 'Source: clawwatch\n\nPackage: clawwatch\nArchitecture: any\n' >"$stage/shlibs/debian/control"
depends=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/clawwatch" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')

install -d -m 0755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: clawwatch
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Homepage: https://github.com/clawwatch/clawwatch
Description: health checks, metrics and alerts for OpenClaw model credentials
 clawwatch reads OpenClaw's credential stores, config and environment and
 tells whether every configured model route has a usable credential: the
 same verdict as "openclaw models status --check", in milliseconds and
 without OpenClaw installed. It serves Prometheus metrics, writes a
 node_exporter textfile and alerts by email, webhook, ntfy, Alertmanager or
 a command before a token expires.
CONTROL
echo /etc/clawwatch/clawwatch.toml >"$root/DEBIAN/conffiles"
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\n' | sort |
    xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/clawwatch_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
