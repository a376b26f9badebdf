#!/usr/bin/env bash
# Benchmark `clawwatch doctor` against the real `openclaw doctor --non-interactive`
# on the same typical home (one agent, a setup-token expiring in 3 h beside an
# API key), with hyperfine, and print the ratio.
#
# openclaw doctor takes 8-13 s and writes state even with --non-interactive,
# so it runs 3 times, each on a fresh copy of the home (--prepare); clawwatch
# doctor is read-only and runs on the home itself.
#
# Installs Node 24 and openclaw@2026.9.6 from the npm registry into
# ${TMPDIR:-/tmp} on first use (as bench/check.sh does) and hyperfine from
# Debian if missing. Results: bench/results/doctor*.json and doctor.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
OC_RUNS=${OC_RUNS:-3}
CW_RUNS=${CW_RUNS:-100}
build_clawwatch
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/make_home.py typical "$work/typical" >/dev/null
chmod -R go-rwx "$work/typical"
oc_env="env -i PATH=$NODE_BIN:/usr/bin:/bin HOME=$work/oc-home TERM=dumb NO_COLOR=1 TZ=UTC"
rm -rf "$work/oc-home" && cp -a "$work/typical" "$work/oc-home"
oc_rc=$($oc_env "$OC" doctor --non-interactive >/dev/null 2>&1; echo $?)
# clawwatch doctor runs on the home as that first openclaw run left it (state
# DB migrated to OpenClaw's full schema, in WAL mode), as in bench/check.sh.
cp -a "$work/oc-home" "$work/cw-home"
cw_env=(env -i PATH=/usr/bin:/bin HOME="$work/cw-home" TZ=UTC)
echo "exit codes: openclaw doctor --non-interactive=$oc_rc clawwatch doctor=$("${cw_env[@]}" "$CW" doctor >/dev/null 2>&1; echo $?)"

hyperfine --warmup 1 --runs "$OC_RUNS" -i \
  --prepare "rm -rf '$work/oc-home' && cp -a '$work/typical' '$work/oc-home'" \
  --export-json bench/results/doctor-openclaw.json \
  -n "openclaw doctor --non-interactive" "$oc_env $OC doctor --non-interactive"
# hyperfine itself runs in the clean environment, so clawwatch does not pay
# for an extra `env` process (openclaw's figure above does, ~1 ms of 9 s).
"${cw_env[@]}" "$(command -v hyperfine)" --warmup 5 --runs "$CW_RUNS" -N -i \
  --export-json bench/results/doctor-clawwatch.json \
  -n "clawwatch doctor" "$CW doctor"

python3 - <<'PY'
import json
oc = json.load(open("bench/results/doctor-openclaw.json"))["results"][0]
cw = json.load(open("bench/results/doctor-clawwatch.json"))["results"][0]
lines = [
    "| command | mean | min | max | runs |",
    "|---|---|---|---|---|",
    f"| `openclaw doctor --non-interactive` | {oc['mean']:.2f} s | {oc['min']:.2f} s | {oc['max']:.2f} s | {len(oc['times'])} |",
    f"| `clawwatch doctor` | {cw['mean']*1000:.2f} ms | {cw['min']*1000:.2f} ms | {cw['max']*1000:.2f} ms | {len(cw['times'])} |",
]
open("bench/results/doctor.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"openclaw doctor --non-interactive: {oc['mean']:.2f} s mean")
print(f"clawwatch doctor:                  {cw['mean']*1000:.2f} ms mean  -> {oc['mean']/cw['mean']:.0f}x faster")
PY
