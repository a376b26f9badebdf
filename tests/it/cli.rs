//! The binary's interface: exit codes, output formats, bad input, secrets.

use crate::common;
use common::*;
use serde_json::json;

fn expiring_home() -> Home {
    let h = Home::new();
    h.config_anthropic().store(
        json!({"anthropic:manual": tok(NOW_MS + 3 * H, "sk-ant-oat01-FAKE-expiring-0000000000")}),
        None,
    );
    h
}

// ------------------------------------------------------------ exit codes

#[test]
fn usage_errors_exit_3_not_2() {
    let h = Home::new();
    for args in [
        vec!["check", "--bogus-flag"],
        vec!["check", "--now", "yesterday"],
        vec!["check", "--warn-within", "soon"],
        vec!["check", "--exit-codes", "weird"],
        vec!["no-such-command"],
        vec![],
    ] {
        let o = h.run(&args);
        assert_eq!(rc(&o), 3, "{args:?}\n{}", text(&o));
        assert!(!o.stderr.is_empty(), "{args:?} says why");
    }
    assert_eq!(rc(&h.run(&["--help"])), 0);
    assert_eq!(rc(&h.run(&["--version"])), 0);
}

#[test]
fn nagios_exit_codes() {
    let h = expiring_home();
    let o = h.run(&["check", "--now", NOW_ISO, "--exit-codes", "nagios"]);
    assert_eq!(rc(&o), 1, "expiring is WARNING=1\n{}", text(&o));
    let o = h.run(&[
        "check",
        "--now",
        "2026-11-26T20:51:55Z",
        "--exit-codes",
        "nagios",
    ]);
    assert_eq!(rc(&o), 2, "expired is CRITICAL=2\n{}", text(&o));
    let o = h.run(&[
        "check",
        "--now",
        "2026-11-01T00:00:00Z",
        "--exit-codes",
        "nagios",
    ]);
    assert_eq!(rc(&o), 0, "{}", text(&o));
    let o = h.run(&["check", "--exit-codes", "nagios", "--now", "garbage"]);
    assert_eq!(rc(&o), 3, "UNKNOWN=3");
}

#[test]
fn check_prints_one_line_per_problem_with_the_fix() {
    let h = Home::new();
    h.config_anthropic().store(
        json!({"anthropic:manual": tok(NOW_MS - H, "sk-ant-oat01-FAKE-expired-00000000000")}),
        None,
    );
    let o = h.check();
    assert_eq!(rc(&o), 1, "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().next().expect("a line");
    assert!(
        line.starts_with("CRITICAL agent=main provider=anthropic profile=anthropic:manual"),
        "{line}"
    );
    assert!(line.contains("expired 1h ago"), "{line}");
    assert!(
        line.contains("claude setup-token") && line.contains("paste-token --provider anthropic"),
        "{line}"
    );

    let o = expiring_home().check();
    assert_eq!(rc(&o), 2);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("WARNING agent=main provider=anthropic profile=anthropic:manual: anthropic:manual expires in 3h"));
}

#[test]
fn warn_within_and_agent_flags() {
    let h = Home::new();
    h.config_anthropic().store(
        json!({"anthropic:manual": tok(NOW_MS + 3 * D, "sk-ant-oat01-FAKE-x")}),
        None,
    );
    assert_eq!(rc(&h.check()), 0);
    assert_eq!(
        rc(&h.run(&["check", "--now", NOW_ISO, "--warn-within", "7d"])),
        2
    );
    assert_eq!(
        rc(&h.run(&["check", "--now", NOW_ISO, "--agent", "main"])),
        0
    );
    assert_eq!(rc(&h.run(&["check", "--now", NOW_ISO, "--all-agents"])), 0);
    // An agent that does not exist is OpenClaw's error (1), named.
    let o = h.run(&["check", "--now", NOW_ISO, "--agent", "nope"]);
    assert_eq!(rc(&o), 1);
    assert_stdout_has(&o, "nope");
}

#[test]
fn all_agents_checks_agents_openclaw_skips() {
    let h = Home::new();
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"ownership":"explicit","defaults":{"model":"anthropic/claude-sonnet-4-6","systemAgent":{"agentId":"main"}},
            "entries":{"main":{},"research":{}}}}"#,
    );
    h.store(json!({"anthropic:key": {"type":"api_key","provider":"anthropic","key":"sk-ant-api03-FAKE-main"}}), None);
    // research's own store overrides the shared profile with an expired token.
    h.agent_store(
        "research",
        json!({"anthropic:research": tok(NOW_MS - H, "sk-ant-oat01-FAKE-research")}),
        Some(json!({"order":{"anthropic":["anthropic:research"]}})),
    );
    assert_eq!(rc(&h.check()), 0, "OpenClaw checks only main");
    let o = h.run(&["check", "--now", NOW_ISO, "--all-agents"]);
    assert_eq!(rc(&o), 1, "{}", text(&o));
    assert_stdout_has(&o, "agent=research");
}

// ------------------------------------------------------------ status

#[test]
fn status_json_has_a_stable_schema() {
    let h = expiring_home().env("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-envkey-000000000000");
    let o = h.run(&["status", "--json", "--now", NOW_ISO]);
    assert_eq!(rc(&o), 0, "status exits 0 without --check");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"], "expiring");
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["now"], NOW_ISO);
    let a = &v["agents"][0];
    assert_eq!(a["agent"], "main");
    assert_eq!(a["default"], true);
    let c = a["credentials"].as_array().unwrap();
    let tok = c
        .iter()
        .find(|c| c["profile"] == "anthropic:manual")
        .unwrap();
    assert_eq!(tok["type"], "token");
    assert_eq!(tok["source"], "state-db");
    assert_eq!(tok["state"], "expiring");
    assert_eq!(tok["expires_in_seconds"], 3 * 3600);
    assert_eq!(tok["in_use"], true);
    let env = c
        .iter()
        .find(|c| c["profile"] == "ANTHROPIC_API_KEY")
        .unwrap();
    assert_eq!(env["source"], "env");
    assert_eq!(env["masked"], "sk-ant-a…0000");
    assert_eq!(a["routes"][0]["model"], "anthropic/claude-sonnet-4-6");
    assert_eq!(a["routes"][0]["health"], "expiring");
    assert_eq!(
        rc(&h.run(&["status", "--json", "--check", "--now", NOW_ISO])),
        2
    );
}

#[test]
fn status_table_lists_every_source() {
    let h = expiring_home()
        .env("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-envkey-000000000000")
        .env("OPENCLAW_LIVE_ANTHROPIC_KEYS", "FAKE-rot-1,FAKE-rot-2");
    h.write(
        ".claude/.credentials.json",
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-FAKE-claude","refreshToken":"sk-ant-ort01-FAKE","expiresAt":1798231915000,"subscriptionType":"max"}}"#,
    );
    let o = h.run(&["status", "--now", NOW_ISO]);
    assert_eq!(rc(&o), 0);
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "anthropic:manual",
        "state-db",
        "expiring",
        "ANTHROPIC_API_KEY",
        "claude-code",
        "rotation keys",
        "2026-11-25T23:51:55Z",
        "in 3h",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn simple_format_prints_the_script_words() {
    let h = expiring_home();
    let simple = |now: &str| {
        let o = h.run(&["status", "--format", "simple", "--now", now]);
        (stdout(&o).trim().to_string(), rc(&o))
    };
    assert_eq!(simple(NOW_ISO), ("OPENCLAW_EXPIRING".into(), 2));
    assert_eq!(
        simple("2026-11-27T00:00:00Z"),
        ("OPENCLAW_EXPIRED".into(), 1)
    );
    assert_eq!(simple("2026-11-01T00:00:00Z"), ("OK".into(), 0));
    h.write(
        ".claude/.credentials.json",
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-FAKE-claude","expiresAt":1795600000000}}"#,
    );
    assert_eq!(simple("2026-11-01T00:00:00Z"), ("OK".into(), 0));
    assert_eq!(simple(NOW_ISO), ("CLAUDE_EXPIRED".into(), 1));
}

// ------------------------------------------------------------ bad input

/// Runs check and asserts: no panic, the expected code, one line naming `needle`.
fn assert_clean_failure(h: &Home, code: i32, needle: &str) {
    let o = h.check();
    let all = text(&o);
    assert!(!all.contains("panicked"), "{all}");
    assert_eq!(rc(&o), code, "{all}");
    assert!(all.contains(needle), "expected {needle:?} in\n{all}");
}

fn db_path(h: &Home) -> std::path::PathBuf {
    h.oc().join("state/openclaw.sqlite")
}

#[test]
fn truncated_sqlite() {
    let h = expiring_home();
    let p = db_path(&h);
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    assert_clean_failure(&h, 1, "state/openclaw.sqlite");
}

#[test]
fn random_bytes_sqlite() {
    let h = Home::new();
    h.config_anthropic();
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    h.write(".openclaw/state/openclaw.sqlite", noise);
    assert_clean_failure(&h, 1, "state/openclaw.sqlite");
}

#[test]
fn json_where_the_database_should_be() {
    let h = Home::new();
    h.config_anthropic();
    h.write(".openclaw/state/openclaw.sqlite", r#"{"profiles":{}}"#);
    assert_clean_failure(&h, 1, "not a database");
    h.write(".openclaw/agents/main/agent/openclaw-agent.sqlite", "[]");
    std::fs::remove_file(db_path(&h)).unwrap();
    assert_clean_failure(&h, 1, "openclaw-agent.sqlite");
}

#[test]
fn malformed_openclaw_json() {
    let h = Home::new();
    h.write(".openclaw/openclaw.json", "{ not: valid json,,, }");
    assert_clean_failure(&h, 1, "openclaw.json");
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"defaults":{"model":42}}}"#,
    );
    assert_clean_failure(&h, 1, "agents.defaults.model");
}

#[test]
fn directory_where_a_file_should_be() {
    let h = Home::new();
    std::fs::create_dir_all(h.oc().join("openclaw.json")).unwrap();
    assert_clean_failure(&h, 1, "directory");
    let h = Home::new();
    h.config_anthropic();
    std::fs::create_dir_all(db_path(&h)).unwrap();
    assert_clean_failure(&h, 1, "directory");
}

#[test]
fn symlink_loop() {
    let h = Home::new();
    std::fs::create_dir_all(h.oc()).unwrap();
    std::os::unix::fs::symlink(h.oc().join("b.json"), h.oc().join("openclaw.json")).unwrap();
    std::os::unix::fs::symlink(h.oc().join("openclaw.json"), h.oc().join("b.json")).unwrap();
    assert_clean_failure(&h, 1, "symbolic links");
}

#[test]
fn huge_config() {
    let h = Home::new();
    let mut big = String::from(
        r#"{"agents":{"defaults":{"model":"anthropic/claude-sonnet-4-6"}},"meta":{"pad":""#,
    );
    big.push_str(&"x".repeat(64 * 1024 * 1024));
    big.push_str("\"}}");
    h.write(".openclaw/openclaw.json", big);
    assert_clean_failure(&h, 1, "64 MiB");
}

#[test]
fn wrong_json_types_in_a_profile() {
    let h = Home::new();
    h.config_anthropic().store(
        json!({
            "anthropic:manual": {"type": 42, "provider": "anthropic", "token": "sk-ant-oat01-FAKE-a"},
            "anthropic:second": {"type": "token", "provider": ["anthropic"], "token": "sk-ant-oat01-FAKE-b"},
            "anthropic:third": {"type": "token", "provider": "anthropic", "token": {"nested": true}, "expires": "soon"}
        }),
        Some(json!({"order": "not-an-object", "usageStats": [1, 2]})),
    );
    assert_clean_failure(&h, 1, "anthropic:manual");
    let o = h.check();
    let all = text(&o);
    assert!(
        all.contains("unknown type") || all.contains("type"),
        "{all}"
    );
    assert!(all.contains("anthropic:second"), "{all}");
}

#[test]
fn legacy_auth_profiles_json_gives_the_doctor_fix() {
    let h = Home::new();
    h.config_anthropic();
    h.write(".openclaw/agents/main/agent/auth-profiles.json", r#"{"version":1,"profiles":{"anthropic:manual":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-FAKE-legacy","expires":1798231915000}}}"#);
    assert_clean_failure(&h, 1, "openclaw doctor --fix");
    // status still lists what it holds.
    let o = h.run(&["status", "--now", NOW_ISO]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("legacy-json") && out.contains("anthropic:manual"),
        "{out}"
    );
}

// ------------------------------------------------------------ secrets

#[test]
fn no_secret_in_any_output() {
    let secrets = [
        "sk-ant-oat01-FAKEstoretoken1111111111111111111111111111",
        "sk-ant-api03-FAKEstoreapikey222222222222222222222222222",
        "sk-ant-api03-FAKEprocessenv3333333333333333333333333333",
        "sk-proj-FAKEdotenvvalue44444444444444444444444444444444",
        "sk-ant-oat01-FAKEclaudeaccess55555555555555555555555555",
        "sk-ant-ort01-FAKEclauderefresh6666666666666666666666666",
        "xai-FAKEconfigenvvars77777777777777777777777777777777777",
        "sk-ant-oat01-FAKEoauthaccess888888888888888888888888888",
        "sk-ant-ort01-FAKEoauthrefresh99999999999999999999999999",
        "FAKErotationkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sk-ant-oat01-FAKElegacyjsonBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    ];
    let h = Home::new()
        .env("ANTHROPIC_API_KEY", secrets[2])
        .env("OPENCLAW_LIVE_ANTHROPIC_KEYS", secrets[9])
        .env("RUST_LOG", "trace");
    h.write(
        ".openclaw/openclaw.json",
        format!(r#"{{"agents":{{"defaults":{{"model":{{"primary":"anthropic/claude-sonnet-4-6","fallbacks":["xai/grok-4"]}}}}}},"env":{{"vars":{{"XAI_API_KEY":"{}"}}}}}}"#, secrets[6]),
    );
    h.write(".openclaw/.env", format!("OPENAI_API_KEY={}\n", secrets[3]));
    h.write(
        ".claude/.credentials.json",
        format!(r#"{{"claudeAiOauth":{{"accessToken":"{}","refreshToken":"{}","expiresAt":1798231915000}}}}"#, secrets[4], secrets[5]),
    );
    h.store(
        json!({
            "anthropic:manual": tok(NOW_MS - H, secrets[0]),
            "anthropic:key": {"type":"api_key","provider":"anthropic","key":secrets[1]},
            "anthropic:me": {"type":"oauth","provider":"anthropic","access":secrets[7],"refresh":secrets[8],"expires":NOW_MS + 3 * H}
        }),
        None,
    );
    // A legacy file too (it makes OpenClaw refuse; status still lists it).
    let legacy = h.write(
        ".openclaw/agents/work/agent/auth-profiles.json",
        format!(r#"{{"profiles":{{"anthropic:old":{{"type":"token","provider":"anthropic","token":"{}"}}}}}}"#, secrets[10]),
    );
    assert!(legacy.exists());
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", "--now", NOW_ISO, "-vvv"],
        vec!["check", "--now", NOW_ISO, "--all-agents"],
        vec!["status", "--now", NOW_ISO, "--all-agents"],
        vec!["status", "--json", "--now", NOW_ISO, "--all-agents"],
        vec!["status", "--format", "simple", "--now", NOW_ISO],
        vec!["--log-format", "json", "status", "--now", NOW_ISO, "-vvv"],
    ];
    for args in runs {
        let o = h.run(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!all.is_empty());
        for s in &secrets {
            let chars: Vec<char> = s.chars().collect();
            for w in chars.windows(16) {
                let slice: String = w.iter().collect();
                assert!(
                    !all.contains(&slice),
                    "{args:?} leaks {slice:?} of a secret:\n{all}"
                );
            }
        }
    }
}

/// On a machine where OpenClaw never ran (or runs as another user), `check`
/// says the state directory is missing, not only that models are unusable.
#[test]
fn check_says_when_the_state_dir_does_not_exist() {
    let h = Home::new();
    let o = h.check();
    assert_eq!(rc(&o), 1);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("hint: ~/.openclaw does not exist") && out.contains("--state-dir"),
        "{out}"
    );
    h.config_anthropic();
    let out = String::from_utf8_lossy(&h.check().stdout).into_owned();
    assert!(!out.contains("does not exist"), "{out}");
}
