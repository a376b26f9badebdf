#!/usr/bin/env bats
# contrib/systemd/install.sh, with stub systemctl/loginctl on PATH that append
# their argv to $STUB_LOG (no systemd runs here).

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
SYSTEMD_DIR=$REPO_ROOT/contrib/systemd
INSTALL=$SYSTEMD_DIR/install.sh

make_stub() { # dir name
    cat >"$1/$2" <<'EOF'
#!/bin/sh
printf '%s %s\n' "${0##*/}" "$*" >>"$STUB_LOG"
EOF
    chmod +x "$1/$2"
}

setup() {
    T=$BATS_TEST_TMPDIR
    export HOME=$T/home STUB_LOG=$T/stub.log
    unset XDG_CONFIG_HOME DESTDIR
    mkdir -p "$HOME" "$T/stubs" "$T/bin"
    : >"$STUB_LOG"
    make_stub "$T/stubs" systemctl
    make_stub "$T/stubs" loginctl
    # clawwatch stand-in: `config example` prints a marker config.
    cat >"$T/bin/clawwatch" <<'EOF'
#!/bin/sh
[ "$1 $2" = "config example" ] && echo '# example config from the binary'
EOF
    chmod +x "$T/bin/clawwatch"
    BIN=$T/bin/clawwatch
    export PATH=$T/stubs:/usr/local/bin:/usr/bin:/bin
}

assert_out() {
    if [[ "$output" != *"$1"* ]]; then
        printf 'not in the output: %s\n--- output:\n%s\n' "$1" "$output" >&2
        return 1
    fi
}

@test "--dry-run --user prints the units with the binary path and home, and the commands; changes nothing" {
    run sh "$INSTALL" --user --dry-run --binary "$BIN" --home /srv/oc-home --user-name alice
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    assert_out "### would write $HOME/.config/systemd/user/clawwatch.service"
    assert_out "### would write $HOME/.config/systemd/user/clawwatch-once.service"
    assert_out "### would write $HOME/.config/systemd/user/clawwatch-once.timer"
    assert_out "ExecStart=$BIN run --config %h/.config/clawwatch/clawwatch.toml"
    assert_out "ExecStart=$BIN once --config %h/.config/clawwatch/clawwatch.toml --textfile %S/clawwatch/clawwatch.prom"
    assert_out "Environment=HOME=/srv/oc-home"
    assert_out "OnCalendar=*:0/15"
    assert_out "Persistent=true"
    assert_out "RandomizedDelaySec="
    assert_out "### would write $HOME/.config/clawwatch/clawwatch.toml (mode 0600)"
    assert_out "# example config from the binary"
    assert_out "systemctl --user daemon-reload"
    assert_out "systemctl --user enable --now clawwatch.service"
    assert_out "loginctl enable-linger alice"
    [[ "$output" != *"@BINARY@"* && "$output" != *"@OPENCLAW_HOME@"* && "$output" != *"@CONFIG@"* && "$output" != *"@USER@"* ]]
    [[ "$output" != *"User="* ]]
    # nothing written, nothing run
    [ -z "$(ls -A "$HOME")" ]
    [ ! -s "$STUB_LOG" ]
}

@test "--dry-run --user without --home leaves the home to systemd (%h)" {
    run sh "$INSTALL" --dry-run --binary "$BIN"
    [ "$status" -eq 0 ]
    assert_out "Environment=HOME=%h"
    assert_out "loginctl enable-linger $(id -un)"
}

@test "--dry-run --system prints system units for the OpenClaw user, and no linger" {
    run sh "$INSTALL" --system --dry-run --binary "$BIN" --user-name openclaw --home /srv/openclaw
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    assert_out "### would write /etc/systemd/system/clawwatch.service"
    assert_out "User=openclaw"
    assert_out "Environment=HOME=/srv/openclaw"
    assert_out "ExecStart=$BIN run --config /etc/clawwatch/clawwatch.toml"
    assert_out "ExecStart=$BIN once --config /etc/clawwatch/clawwatch.toml --textfile %S/clawwatch/clawwatch.prom"
    assert_out "StateDirectory=clawwatch"
    assert_out "ProtectHome=read-only"
    assert_out "systemctl daemon-reload"
    assert_out "systemctl enable --now clawwatch.service"
    [[ "$output" != *"loginctl"* ]]
    [[ "$output" != *"systemctl --user"* ]]
    [ ! -s "$STUB_LOG" ]
}

@test "--system takes the home from the passwd database" {
    user=$(awk -F: '$3 != 0 && $6 ~ /^\// && $1 != "nobody" { print $1; exit }' /etc/passwd)
    [ -n "$user" ] || skip "no non-root user in /etc/passwd"
    home=$(getent passwd "$user" | cut -d: -f6)
    run sh "$INSTALL" --system --dry-run --binary "$BIN" --user-name "$user"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    assert_out "User=$user"
    assert_out "Environment=HOME=$home"
}

@test "--system refuses root, nobody and unknown users" {
    for u in root nobody; do
        run sh "$INSTALL" --system --dry-run --binary "$BIN" --user-name "$u"
        [ "$status" -eq 1 ]
        assert_out "refusing User=$u"
    done
    run sh "$INSTALL" --system --dry-run --binary "$BIN" --user-name no-such-user-xyz
    [ "$status" -eq 1 ]
    assert_out "unknown user no-such-user-xyz"
}

@test "DESTDIR: writes the units and a private default config" {
    DESTDIR=$T/root run sh "$INSTALL" --user --binary "$BIN"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    d=$T/root$HOME/.config
    for u in clawwatch.service clawwatch-once.service clawwatch-once.timer; do
        [ -f "$d/systemd/user/$u" ]
        [ "$(stat -c %a "$d/systemd/user/$u")" = 644 ]
    done
    grep -qx "ExecStart=$BIN run --config %h/.config/clawwatch/clawwatch.toml" "$d/systemd/user/clawwatch.service"
    [ "$(stat -c %a "$d/clawwatch/clawwatch.toml")" = 600 ]
    grep -q 'example config from the binary' "$d/clawwatch/clawwatch.toml"
    assert_out "systemctl --user enable --now clawwatch.service"
    # a second run keeps the config
    echo '# edited' >"$d/clawwatch/clawwatch.toml"
    DESTDIR=$T/root run sh "$INSTALL" --user --binary "$BIN"
    [ "$(cat "$d/clawwatch/clawwatch.toml")" = '# edited' ]
    [ ! -s "$STUB_LOG" ]
}

@test "--enable runs daemon-reload, enable --now and enable-linger" {
    run sh "$INSTALL" --user --enable --binary "$BIN" --user-name alice
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    [ -f "$HOME/.config/systemd/user/clawwatch.service" ]
    [ "$(sed -n 1p "$STUB_LOG")" = "systemctl --user daemon-reload" ]
    [ "$(sed -n 2p "$STUB_LOG")" = "systemctl --user enable --now clawwatch.service" ]
    [ "$(sed -n 3p "$STUB_LOG")" = "loginctl enable-linger alice" ]
}

@test "--timer enables the 15-minute timer instead of the daemon" {
    run sh "$INSTALL" --user --enable --timer --binary "$BIN"
    [ "$status" -eq 0 ]
    grep -qx "systemctl --user enable --now clawwatch-once.timer" "$STUB_LOG"
    if grep -q "enable --now clawwatch.service" "$STUB_LOG"; then false; fi
}

@test "the binary defaults to the clawwatch on PATH and must exist" {
    PATH=$T/bin:$PATH run sh "$INSTALL" --dry-run
    [ "$status" -eq 0 ]
    assert_out "ExecStart=$BIN run"
    run sh "$INSTALL" --dry-run
    [ "$status" -eq 1 ]
    assert_out "clawwatch is not on PATH"
    run sh "$INSTALL" --dry-run --binary "$T/nope"
    [ "$status" -eq 1 ]
    assert_out "not an executable file"
    run sh "$INSTALL" --dry-run --binary "$BIN" --home "/home/with space"
    [ "$status" -eq 1 ]
    assert_out "characters a unit file would need escaped"
}

@test "units: secrets never in Environment=, only EnvironmentFile= or LoadCredential=" {
    for f in "$SYSTEMD_DIR"/system/* "$SYSTEMD_DIR"/user/*; do
        while IFS= read -r line; do
            case $line in
                Environment=HOME=@OPENCLAW_HOME@ | Environment=CLAWWATCH_ALERT_STATE_FILE=%S/clawwatch/alert-state.json) ;;
                *) echo "$f: unexpected $line" >&2; false ;;
            esac
        done < <(grep '^Environment=' "$f")
    done
    grep -q '^EnvironmentFile=-/etc/clawwatch/clawwatch.env' "$SYSTEMD_DIR/system/clawwatch.service"
    grep -q '^EnvironmentFile=-%h/.config/clawwatch/clawwatch.env' "$SYSTEMD_DIR/user/clawwatch.service"
}

@test "units: the timer fires every 15 minutes, persistently, spread out" {
    for f in "$SYSTEMD_DIR"/system/clawwatch-once.timer "$SYSTEMD_DIR"/user/clawwatch-once.timer; do
        grep -qx 'OnCalendar=\*:0/15' "$f"
        grep -qx 'Persistent=true' "$f"
        grep -q '^RandomizedDelaySec=' "$f"
        if grep -q '^OnUnitActiveSec=' "$f"; then false; fi
    done
}
