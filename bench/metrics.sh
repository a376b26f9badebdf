#!/usr/bin/env bash
# /metrics throughput of `clawwatch run` beside node_exporter serving the same
# exposition from a textfile, in the same run (wrk, 64 connections, 10 s), on a
# 1,000-profile home (100 agents x 10 profiles); the same over HTTPS with
# basic auth and gzip, both serving one exporter-toolkit web config; then the
# daemon's resident memory over 10,000 back-to-back cycles on that home.
# PARTS=plain,tls,memory (the default) picks which.
# Needs: wrk, prometheus-node-exporter (Debian), python3, openssl, htpasswd
# (apache2-utils). Results: bench/results/metrics.txt
set -euo pipefail
cd "$(dirname "$0")/.."
for p in wrk:wrk prometheus-node-exporter:prometheus-node-exporter openssl:openssl htpasswd:apache2-utils; do
  command -v "${p%%:*}" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${p#*:}"; }
done
PARTS=${PARTS:-plain,tls,memory}
has_part() { case ",$PARTS," in *",$1,"*) return 0;; esac; return 1; }
# CW: time this binary instead of building one.
if [ -z "${CW:-}" ]; then
  cargo build --release --locked --quiet
  CW="$PWD/target/release/clawwatch"
fi
DURATION=${DURATION:-10s}
CYCLES=${CYCLES:-10000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }

python3 bench/make_home.py agents "$work/home" 100 10 >/dev/null
printf '[check]\nschedule = "0 0 1 1 *"\n' > "$work/cw.toml"
cw_port=$(free_port); ne_port=$(free_port)
env -i HOME="$work/home" "$CW" run --config "$work/cw.toml" --listen "127.0.0.1:$cw_port" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$cw_port/metrics"
# (Into a file: `curl | grep -q` fails under pipefail once grep stops reading.)
for _ in $(seq 600); do
  curl -fsS "http://127.0.0.1:$cw_port/metrics" -o "$work/probe" 2>/dev/null &&
    grep -q '^openclaw_auth_check_runs_total [1-9]' "$work/probe" && break
  sleep 0.05
done
mkdir -p "$work/tf"
# Without clawwatch's process_* (node_exporter has its own; a textfile
# repeating them is an error there), as `once --textfile` writes it.
curl -fsS "http://127.0.0.1:$cw_port/metrics" | grep -Ev '^(# (HELP|TYPE) )?process_' > "$work/tf/clawwatch.prom"
series=$(grep -vc '^#' "$work/tf/clawwatch.prom")
prometheus-node-exporter --collector.disable-defaults --collector.textfile \
  --collector.textfile.directory="$work/tf" --web.listen-address="127.0.0.1:$ne_port" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ne_port/metrics"

mkdir -p bench/results
out=bench/results/metrics.txt
: > "$out"
# wrk's figures for one target: "<req/s> requests/s (<2xx>/s answered 2xx), p99 <p99>".
wrk_line() {
  local url=$1; shift
  local r rps p99 ok
  r=$(wrk -t2 -c64 -d"$DURATION" --latency "$@" "$url")
  rps=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$r" | awk '$1=="99%" {print $2}')
  # wrk counts error answers as requests: node_exporter answers 503 beyond
  # its --web.max-requests (40) parallel scrapes. Only 2xx are served.
  ok=$(echo "$r" | awk '/ requests in / {n=$1; t=$4; sub(/s,$/, "", t)} /Non-2xx/ {e=$NF} END {printf "%.2f", (n-e)/t}')
  echo "$rps requests/s ($ok/s answered 2xx), p99 $p99"
}
has_part plain && {
  echo "home: 100 agents x 10 profiles = 1000 profiles; /metrics has $series series ($(wc -c < "$work/tf/clawwatch.prom") bytes)"
  om='Accept: application/openmetrics-text; version=1.0.0'
  for target in "clawwatch|http://127.0.0.1:$cw_port/metrics|" "clawwatch (OpenMetrics)|http://127.0.0.1:$cw_port/metrics|$om" "node_exporter|http://127.0.0.1:$ne_port/metrics|"; do
    IFS='|' read -r name url accept <<< "$target"
    echo "$name: $(wrk_line "$url" ${accept:+-H "$accept"})"
  done
} | tee -a "$out"

# HTTPS + basic auth + gzip: one web config (a throw-away CA, a bcrypt
# cost-10 user) for both, each on its own port; wrk keeps its connections,
# so this is the steady state of a scraper (handshakes amortised).
if has_part tls; then
  pki="$work/pki"; mkdir -p "$pki"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 -subj /CN=bench-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
  openssl req "${ec[@]}" -keyout "$pki/server.key" -out "$pki/server.csr" -subj /CN=localhost >/dev/null 2>&1
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n' > "$pki/ext"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/server.crt" -days 2 -extfile "$pki/ext" >/dev/null 2>&1
  hash=$(htpasswd -nbBC 10 bench bench-password | cut -d: -f2-)
  printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  bench: %s\n' \
    "$pki/server.crt" "$pki/server.key" "$hash" > "$work/web.yml"
  cwt_port=$(free_port); net_port=$(free_port)
  env -i HOME="$work/home" "$CW" run --config "$work/cw.toml" --web.listen-address "127.0.0.1:$cwt_port" \
    --web.config.file "$work/web.yml" >/dev/null 2>&1 &
  pids+=($!)
  prometheus-node-exporter --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$work/tf" --web.listen-address="127.0.0.1:$net_port" \
    --web.config.file="$work/web.yml" >/dev/null 2>&1 &
  pids+=($!)
  auth=(--cacert "$pki/ca.crt" -u bench:bench-password)
  for u in "https://127.0.0.1:$cwt_port/metrics" "https://127.0.0.1:$net_port/metrics"; do
    for _ in $(seq 600); do
      curl -fsS "${auth[@]}" "$u" -o "$work/probe" 2>/dev/null &&
        grep -q '^openclaw_auth_check_runs_total [1-9]' "$work/probe" && break
      sleep 0.05
    done
  done
  basic="Authorization: Basic $(printf bench:bench-password | base64)"
  {
    echo "HTTPS (TLS 1.3, P-256) + basic auth (bcrypt cost 10) + Accept-Encoding: gzip, the same web config:"
    gz=$(curl -fsS "${auth[@]}" -H 'Accept-Encoding: gzip' "https://127.0.0.1:$cwt_port/metrics" | wc -c)
    echo "  gzip body: clawwatch $gz bytes"
    echo "  clawwatch: $(wrk_line "https://127.0.0.1:$cwt_port/metrics" -H "$basic" -H 'Accept-Encoding: gzip')"
    echo "  node_exporter: $(wrk_line "https://127.0.0.1:$net_port/metrics" -H "$basic" -H 'Accept-Encoding: gzip')"
  } | tee -a "$out"
fi
has_part memory || exit 0

# Memory over many cycles (the same cycle code as the schedule runs): RSS
# between cycles (what the daemon holds while it waits for the next tick,
# the exposition included) and the peak so far (VmHWM, reached mid-cycle
# while the new exposition is built beside the one being served).
kill "${pids[0]}" 2>/dev/null || true
env -i HOME="$work/home" "$CW" run --config "$work/cw.toml" --listen "" --bench-cycles "$CYCLES" 2> "$work/bench.log" &
bp=$!; pids+=("$bp")
for _ in $(seq 36000); do grep -q "cycles=$CYCLES " "$work/bench.log" && break; sleep 0.1; done
kill "$bp" 2>/dev/null || true
grep -o 'cycles=[0-9]* rss_kib=[0-9]* peak_kib=[0-9]*' "$work/bench.log" |
  awk -F'[= ]' '{printf "after %6d cycles: RSS %.1f MB (peak %.1f MB)\n", $2, $4/1024, $6/1024}' | tee -a "$out"
