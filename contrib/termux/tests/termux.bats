#!/usr/bin/env bats
# contrib/termux: install.sh, the job, the notification helper, the runit
# service and the widget, run here with stub termux-* commands on PATH.

load helpers

setup() {
    termux_setup
}

install_with_stub() {
    run sh "$TERMUX_DIR/install.sh" --binary "$T/stubs/clawwatch" "$@"
    if [ "$status" -ne 0 ]; then
        printf '%s\n' "$output" >&2
        return 1
    fi
}

@test "install registers a persisted 15-minute job running the job script" {
    install_with_stub
    assert_logged "termux-job-scheduler --job-id 9847 --period-ms 900000 --persisted true --script $PREFIX/libexec/clawwatch/job"
    [ "$(grep -c '^termux-job-scheduler' "$STUB_LOG")" -eq 1 ]
    # binary, helpers with Termux shebangs, config, widget
    [ -x "$PREFIX/bin/clawwatch" ]
    for f in job notify; do
        [ -x "$PREFIX/libexec/clawwatch/$f" ]
        [ "$(head -n 1 "$PREFIX/libexec/clawwatch/$f")" = "#!$PREFIX/bin/sh" ]
    done
    [ -x "$HOME/.shortcuts/clawwatch-status" ]
    cfg=$HOME/.config/clawwatch/clawwatch.toml
    [ "$(stat -c %a "$cfg")" = 600 ]
    grep -qF '[[alert.command]]' "$cfg"
    grep -qF "argv = [\"$PREFIX/libexec/clawwatch/notify\", \"{severity}\", \"{agent}\", \"{provider}\", \"{profile}\", \"{title}\", \"{message}\", \"{status}\"]" "$cfg"
    # the config was validated with the installed binary
    assert_logged "clawwatch config check --config $cfg"
}

@test "install takes another job id and keeps an existing config" {
    mkdir -p "$HOME/.config/clawwatch"
    echo '# mine' >"$HOME/.config/clawwatch/clawwatch.toml"
    install_with_stub --job-id 42
    assert_logged "termux-job-scheduler --job-id 42 --period-ms 900000 --persisted true --script"
    [ "$(cat "$HOME/.config/clawwatch/clawwatch.toml")" = '# mine' ]
    [[ "$output" == *"keeping the existing config"* ]]
}

@test "the job runs clawwatch once with the config and the textfile, and keeps its exit code" {
    install_with_stub
    : >"$STUB_LOG"
    STUB_CLAWWATCH_EXIT=2 run "$PREFIX/libexec/clawwatch/job"
    [ "$status" -eq 2 ]
    assert_logged "clawwatch once --config $HOME/.config/clawwatch/clawwatch.toml --textfile $HOME/.local/state/clawwatch/clawwatch.prom"
    grep -q '^exit 2 at ' "$HOME/.local/state/clawwatch/last-run.log"
}

@test "the job does not depend on the caller's PATH" {
    install_with_stub
    # Termux's own coreutils live in $PREFIX/bin (tr: for the stub).
    for c in mkdir date tr; do ln -s "$(command -v "$c")" "$PREFIX/bin/$c"; done
    : >"$STUB_LOG"
    PATH=/nonexistent run "$PREFIX/bin/sh" "$PREFIX/libexec/clawwatch/job"
    [ "$status" -eq 0 ]
    assert_logged "clawwatch once --config"
}

@test "an expired profile leads to termux-notification with the stable id and the re-auth button" {
    bin=$(real_clawwatch) || skip_or_fail "target/debug/clawwatch is not built"
    fixture=$REPO_ROOT/tests/fixtures/hand/07-token-expired/home
    [ -d "$fixture" ] || skip_or_fail "missing $fixture"
    cp -R "$fixture/." "$HOME/"
    chmod -R u+w "$HOME"
    run sh "$TERMUX_DIR/install.sh" --binary "$bin"
    [ "$status" -eq 0 ]
    [[ "$output" != *"WARNING"* ]] || { printf '%s\n' "$output" >&2; false; }
    : >"$STUB_LOG"
    run "$PREFIX/libexec/clawwatch/job"
    cat "$HOME/.local/state/clawwatch/last-run.log" >&2
    [ "$status" -eq 1 ]
    assert_logged "termux-notification --id clawwatch-main-anthropic-anthropic:manual "
    assert_logged " --priority max"
    assert_logged " --button1-action termux-open-url https://console.anthropic.com"
    grep '^termux-notification' "$STUB_LOG" | grep -qF -- "--button1 Re-auth anthropic"
    # and the textfile for the metrics
    grep -q '^openclaw_auth_check_status 1' "$HOME/.local/state/clawwatch/clawwatch.prom"
}

@test "the notification helper: priority by severity, a stable id, no button once resolved" {
    n=$TERMUX_DIR/clawwatch-notify
    run sh "$n" critical main anthropic anthropic:manual "T1" "M1"
    [ "$status" -eq 0 ]
    assert_logged "termux-notification --id clawwatch-main-anthropic-anthropic:manual --group clawwatch --title T1 --content M1 --priority max --action termux-open-url https://console.anthropic.com --button1 Re-auth anthropic --button1-action termux-open-url https://console.anthropic.com"
    : >"$STUB_LOG"
    run sh "$n" warning research openai openai:default "T2" "M2"
    assert_logged "--id clawwatch-research-openai-openai:default "
    assert_logged "--priority high --action termux-open-url https://platform.openai.com/api-keys"
    : >"$STUB_LOG"
    run sh "$n" critical main anthropic anthropic:manual "T3" "M3" resolved
    assert_logged "termux-notification --id clawwatch-main-anthropic-anthropic:manual --group clawwatch --title T3 --content M3 --priority low"
    refute_logged "button1"
    : >"$STUB_LOG"
    run sh "$n" warning main anthropic anthropic:manual "T3" "M3" test
    assert_logged "--priority default --action termux-open-url https://console.anthropic.com"
    : >"$STUB_LOG"
    # an unknown provider: still a notice, no button
    run sh "$n" critical main someprovider someprovider:x "T4" "M4"
    assert_logged "--priority max"
    refute_logged "button1"
    : >"$STUB_LOG"
    # fields from the environment when the argv leaves them out
    CLAWWATCH_SEVERITY=critical CLAWWATCH_AGENT=main CLAWWATCH_PROVIDER=anthropic \
        CLAWWATCH_PROFILE=anthropic:manual CLAWWATCH_TITLE=T5 CLAWWATCH_MESSAGE=M5 run sh "$n"
    assert_logged "--id clawwatch-main-anthropic-anthropic:manual --group clawwatch --title T5 --content M5 --priority max"
    : >"$STUB_LOG"
    CLAWWATCH_STATUS=resolved run sh "$n" warning main anthropic anthropic:manual T6 M6
    assert_logged "--priority low"
    refute_logged "button1"
}

@test "a missing termux-api gives a clear message and installs nothing" {
    PATH=/usr/local/bin:/usr/bin:/bin run sh "$TERMUX_DIR/install.sh" --binary "$T/stubs/clawwatch"
    [ "$status" -eq 1 ]
    [[ "$output" == *"termux-api is missing"* ]]
    [[ "$output" == *"pkg install termux-api"* ]]
    [[ "$output" == *"Termux:API app"* ]]
    [[ "$output" == *"termux-job-scheduler"* ]]
    [ ! -e "$PREFIX/bin/clawwatch" ]
    [ ! -e "$HOME/.config/clawwatch/clawwatch.toml" ]
}

@test "--service installs the runit service instead of the job" {
    install_with_stub --service
    refute_logged "--period-ms"
    assert_logged "termux-job-scheduler --cancel --job-id 9847"
    sv=$PREFIX/var/service/clawwatch
    [ -x "$sv/run" ] && [ -x "$sv/log/run" ]
    [ "$(head -n 1 "$sv/run")" = "#!$PREFIX/bin/sh" ]
    [[ "$output" == *"sv-enable clawwatch"* ]]
    : >"$STUB_LOG"
    run "$sv/run"
    assert_logged "termux-wake-lock"
    assert_logged "clawwatch run --config $HOME/.config/clawwatch/clawwatch.toml"
}

@test "the widget shortcut toasts the status word" {
    install_with_stub
    : >"$STUB_LOG"
    STUB_CLAWWATCH_OUT=OPENCLAW_EXPIRED STUB_CLAWWATCH_EXIT=1 run "$HOME/.shortcuts/clawwatch-status"
    [ "$status" -eq 0 ]
    assert_logged "clawwatch status --format simple"
    assert_logged "termux-toast -g middle -b red -c black clawwatch: OPENCLAW_EXPIRED"
    : >"$STUB_LOG"
    STUB_CLAWWATCH_OUT=OK run "$HOME/.shortcuts/clawwatch-status"
    assert_logged "termux-toast -g middle -b green -c black clawwatch: OK"
}

@test "OPENCLAW_STATE_DIR at install time goes into the config and the widget" {
    OPENCLAW_STATE_DIR=/data/oc-state install_with_stub
    grep -qx 'state_dir = "/data/oc-state"' "$HOME/.config/clawwatch/clawwatch.toml"
    : >"$STUB_LOG"
    STUB_CLAWWATCH_OUT=OK run "$HOME/.shortcuts/clawwatch-status"
    assert_logged "clawwatch status --format simple --state-dir /data/oc-state"
}

@test "install builds with cargo when run from a source tree" {
    tree=$T/tree
    mkdir -p "$tree/contrib"
    cp -R "$TERMUX_DIR" "$tree/contrib/termux"
    printf '[package]\nname = "clawwatch"\n' >"$tree/Cargo.toml"
    # cargo stand-in: "builds" by copying the clawwatch stub into the target
    # dir, as cargo does (CARGO_TARGET_DIR when set, relative to the tree).
    cat >"$T/stubs/cargo" <<EOF
#!/bin/sh
printf 'cargo %s\n' "\$*" >>"\$STUB_LOG"
dir=\${CARGO_TARGET_DIR:-target}/release
mkdir -p "\$dir" && cp "$T/stubs/clawwatch" "\$dir/clawwatch"
EOF
    chmod +x "$T/stubs/cargo"
    PATH=$T/stubs:$PATH run sh "$tree/contrib/termux/install.sh"
    [ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; false; }
    assert_logged "cargo build --release --locked"
    cmp "$T/stubs/clawwatch" "$PREFIX/bin/clawwatch"
}

@test "install finds the build under CARGO_TARGET_DIR, absolute or relative" {
    tree=$T/tree
    mkdir -p "$tree/contrib"
    cp -R "$TERMUX_DIR" "$tree/contrib/termux"
    printf '[package]\nname = "clawwatch"\n' >"$tree/Cargo.toml"
    cat >"$T/stubs/cargo" <<EOF
#!/bin/sh
dir=\${CARGO_TARGET_DIR:-target}/release
mkdir -p "\$dir" && cp "$T/stubs/clawwatch" "\$dir/clawwatch"
EOF
    chmod +x "$T/stubs/cargo"
    for target in "$T/elsewhere" rel-target; do
        rm -f "$PREFIX/bin/clawwatch"
        CARGO_TARGET_DIR=$target PATH=$T/stubs:$PATH run sh "$tree/contrib/termux/install.sh"
        [ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; false; }
        cmp "$T/stubs/clawwatch" "$PREFIX/bin/clawwatch"
    done
}

@test "without a binary or a source tree, install says what to do" {
    mkdir -p "$T/lone"
    cp -R "$TERMUX_DIR" "$T/lone/termux"
    run sh "$T/lone/termux/install.sh"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no clawwatch binary"* ]]
    [[ "$output" == *"pkg install rust"* ]]
    [ ! -e "$PREFIX/bin/clawwatch" ]
}
