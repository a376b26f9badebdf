#!/usr/bin/env bash
# Every recorded home (tests/fixtures/hand and tests/fixtures/oracle) as the
# real CLI leaves it: run `openclaw models status --check` on a copy, which
# migrates its state DB to OpenClaw's full schema in WAL mode (with the WAL
# and -shm OpenClaw's own SQLite wrote), then `clawwatch check` on that same
# migrated copy, in the same environment, and compare the exit codes.
#
# This is what src/sources/sqlite_file.rs reads in the field; the CI tests
# build their WAL databases with the bundled SQLite instead. Needs the real
# CLI, so it is not part of `cargo test`: installs Node 24 and openclaw from
# npm on first use (bench/lib.sh). Prints one line per home; exits 1 on any
# disagreement.
#
# RECORD="06-token-expiring-3h 31-legacy-main-agent-sqlite ..." also keeps
# those migrated homes, with the instant openclaw ran and its exit code, in
# tests/fixtures/migrated/<name>/ (the layout tests/fixtures.rs reads), so CI
# checks files OpenClaw's own SQLite wrote without installing it. ONLY="..."
# limits the run to those homes.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
cargo build --release --locked --quiet
CW="$PWD/target/release/clawwatch"
SHARED=${SHARED:-tests/fixtures/hand}
fail=0
for fix in "$SHARED"/*/ tests/fixtures/oracle/*/; do
  [ -d "$fix/home" ] || continue
  case " ${ONLY:-$(basename "$fix")} " in *" $(basename "$fix") "*) ;; *) continue ;; esac
  h=$(mktemp -d)
  cp -a "$fix/home/." "$h/"
  args=()
  if [ -f "$fix/env" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in '' | \#*) continue ;; esac
      args+=("${line//@HOME@/$h}")
    done <"$fix/env"
  fi
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  set +e
  (cd "$h" && env -i PATH="$NODE_BIN:/usr/bin:/bin" HOME="$h" TERM=dumb NO_COLOR=1 TZ=UTC "${args[@]+"${args[@]}"}" "$OC" models status --check >/dev/null 2>&1)
  oc=$?
  (cd "$h" && env -i PATH=/usr/bin:/bin HOME="$h" TZ=UTC "${args[@]+"${args[@]}"}" "$CW" check >/dev/null 2>&1)
  cw=$?
  set -e
  wal=$(find "$h" -name '*.sqlite-wal' | wc -l)
  verdict=OK
  if [ "$oc" != "$cw" ]; then verdict=DIFF; fail=1; fi
  name=$(basename "$fix")
  echo "$name openclaw=$oc clawwatch=$cw wal_files=$wal $verdict"
  case " ${RECORD:-} " in
    *" $name "*)
      out="tests/fixtures/migrated/$name"
      rm -rf "$out" && mkdir -p "$out/home"
      cp -a "$h/." "$out/home/"
      if [ -f "$fix/env" ]; then cp "$fix/env" "$out/env"; fi
      printf '{\n  "generated_at_iso": "%s",\n  "desc": "%s after openclaw models status --check migrated its state DB"\n}\n' "$now" "$name" >"$out/fixture.json"
      printf '{\n  "rc": %s,\n  "cmd": "openclaw models status --check, run at generated_at_iso (to the second before it)"\n}\n' "$oc" >"$out/expected.json"
      ;;
  esac
  rm -rf "$h"
done
exit "$fail"
