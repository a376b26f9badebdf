#!/usr/bin/env bash
# Scale (issue 17, must show 4): wall time and peak RSS of
#   `clawwatch status --json` on one store of 10k / 30k / 100k profiles, and
#   `clawwatch status --json --all-agents` on 1k / 3k / 10k agents x 10 profiles,
# each the best of $RUNS runs (GNU time: elapsed s, max RSS KiB). Evaluation
# is linear: 10x the input, ~10x the time and memory.
# Results: bench/results/scale.md. CW=path times another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
if [ -z "${CW:-}" ]; then
  cargo build --release --locked --quiet
  CW="$PWD/target/release/clawwatch"
fi
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends time; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
out=bench/results/scale.md

# best_of HOME ARGS...: "seconds peak_kib" of the fastest run.
best_of() {
  local home=$1 best="" line
  shift
  for _ in $(seq "$RUNS"); do
    line=$(env -i HOME="$home" TZ=UTC /usr/bin/time -f "%e %M" "$CW" "$@" 2>&1 >/dev/null | tail -1)
    if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
      best=$line
    fi
  done
  echo "$best"
}

{
  echo "| input | command | time (s) | peak RSS (MiB) |"
  echo "| --- | --- | ---: | ---: |"
  for n in 10000 30000 100000; do
    python3 bench/make_home.py store "$work/s$n" "$n" >/dev/null
    read -r t kib <<<"$(best_of "$work/s$n" status --json)"
    echo "| one store, $n profiles | status --json | $t | $((kib / 1024)) |"
    rm -rf "$work/s$n"
  done
  for n in 1000 3000 10000; do
    python3 bench/make_home.py agents "$work/a$n" "$n" 10 >/dev/null
    read -r t kib <<<"$(best_of "$work/a$n" status --json --all-agents)"
    echo "| $n agents x 10 profiles | status --json --all-agents | $t | $((kib / 1024)) |"
    rm -rf "$work/a$n"
  done
} | tee "$out"
