//! `clawwatch doctor`: one test per finding id (on recorded fixtures from
//! tests/fixtures/hand and on homes generated here), the live probe against a
//! local HTTP server (rotation order, dedup, only rate limits rotate, the
//! last error), exit codes, the JSON schema, secrets, and read-only-ness.

use crate::common;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ------------------------------------------------------------ helpers

/// A temp home whose clawwatch config disables the metrics port check
/// (port 9847 may be taken on a shared machine).
fn home() -> Home {
    Home::new().env("CLAWWATCH_METRICS_LISTEN", "")
}

fn doctor_at(h: &Home, now: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["doctor", "--json", "--now", now];
    args.extend_from_slice(extra);
    let o = h.run(&args);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("doctor --json printed no JSON ({e}):\n{}", text(&o)));
    assert_eq!(v["exit_code"], rc(&o), "exit_code field = exit code");
    (rc(&o), v, text(&o))
}

fn doctor(h: &Home, extra: &[&str]) -> (i32, Value, String) {
    doctor_at(h, NOW_ISO, extra)
}

fn find<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == id)
}

#[track_caller]
fn expect<'a>(v: &'a Value, id: &str, severity: &str) -> &'a Value {
    let f = find(v, id).unwrap_or_else(|| panic!("no {id} finding in {v:#}"));
    assert_eq!(f["severity"], severity, "{f:#}");
    f
}

#[track_caller]
fn absent(v: &Value, id: &str) {
    assert!(find(v, id).is_none(), "unexpected {id} in {v:#}");
}

fn msg(f: &Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

fn fix(f: &Value) -> &str {
    f["fix"].as_str().unwrap_or_default()
}

fn hand_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand")
}

/// A recorded fixture copied into a temp home (private modes), with its env
/// and the instant it was recorded at.
fn fixture(name: &str) -> Option<(Home, String)> {
    let dir = hand_fixtures().join(name);
    if !require(dir.is_dir(), &format!("tests/fixtures/hand/{name}")) {
        return None;
    }
    let mut h = home();
    if dir.join("home").is_dir() {
        copy_tree(&dir.join("home"), h.path());
    }
    chmod_private(h.path());
    if let Ok(env) = std::fs::read_to_string(dir.join("env")) {
        for line in env
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (k, v) = line.split_once('=').expect("KEY=VALUE");
            let v = v.replace("@HOME@", &h.path().to_string_lossy());
            h.env.push((k.to_string(), v));
        }
    }
    let meta: Value =
        serde_json::from_slice(&std::fs::read(dir.join("fixture.json")).expect("fixture.json"))
            .expect("fixture json");
    let now = meta["generated_at_iso"].as_str().expect("iso").to_string();
    Some((h, now))
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn api_key(key: &str) -> Value {
    json!({"type":"api_key","provider":"anthropic","key":key})
}

/// A healthy home: anthropic default, a stored API key, private modes.
fn healthy() -> Home {
    let h = home();
    h.config_anthropic().store(
        json!({"anthropic:key": api_key("sk-ant-api03-FAKE-healthy-000000000000")}),
        None,
    );
    chmod_private(h.path());
    h
}

// ------------------------------------------------------------ exit codes, schema

#[test]
fn healthy_home_exits_0_with_no_findings() {
    let h = healthy();
    let (code, v, out) = doctor(&h, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(v["findings"], json!([]), "{out}");
    let o = h.run(&["doctor", "--now", NOW_ISO]);
    assert_eq!(rc(&o), 0);
    assert_stdout_has(&o, "No findings");
}

#[test]
fn warnings_only_exit_2_errors_exit_1_own_failure_exits_3() {
    let Some((h, now)) = fixture("06-token-expiring-3h") else {
        return;
    };
    let (code, v, out) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 2, "{out}");
    let f = expect(&v, "profile-expiring", "warning");
    assert!(
        msg(f).contains("anthropic:manual") && msg(f).contains("expires in 3h"),
        "{f:#}"
    );
    assert!(fix(f).contains("claude setup-token"), "{f:#}");
    assert_eq!(v["summary"], json!({"error":0,"warning":1,"info":0}));
    // Text mode, same code; nagios convention maps warnings to 1.
    assert_eq!(rc(&h.run(&["doctor", "--now", &now])), 2);
    assert_eq!(
        rc(&h.run(&["doctor", "--now", &now, "--exit-codes", "nagios"])),
        1
    );
    let Some((h, now)) = fixture("07-token-expired") else {
        return;
    };
    assert_eq!(doctor_at(&h, &now, &[]).0, 1);
    assert_eq!(rc(&h.run(&["doctor", "--now", "yesterday"])), 3);
    assert_eq!(rc(&h.run(&["doctor", "--bogus"])), 3);
}

#[test]
fn json_schema_is_stable() {
    let Some((h, now)) = fixture("01-empty-home") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["schema_version", "findings", "summary", "exit_code"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["exit_code"], code);
    let mut counts = BTreeMap::new();
    for f in v["findings"].as_array().unwrap() {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        for k in &keys {
            assert!(
                ["id", "severity", "agent", "message", "path", "fix"].contains(k),
                "{k}"
            );
        }
        for k in ["id", "severity", "message", "fix"] {
            assert!(f[k].is_string(), "{k} in {f:#}");
        }
        let id = f["id"].as_str().unwrap();
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-'),
            "kebab-case id {id}"
        );
        *counts
            .entry(f["severity"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    for s in ["error", "warning", "info"] {
        assert_eq!(v["summary"][s], counts.get(s).copied().unwrap_or(0), "{s}");
    }
    // Errors come first.
    let sev: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    let rank = |s: &str| ["error", "warning", "info"].iter().position(|x| *x == s);
    assert!(sev.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{sev:?}");
}

// ------------------------------------------------------------ OpenClaw side

#[test]
fn state_dir_missing_and_runtime_unavailable_on_an_empty_home() {
    let Some((h, now)) = fixture("01-empty-home") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "state-dir-missing", "warning");
    assert_eq!(f["path"], "~/.openclaw");
    let f = expect(&v, "route-runtime-unavailable", "error");
    assert!(
        msg(f).contains("openai/gpt-6-astra") && msg(f).contains("codex"),
        "{f:#}"
    );
}

#[test]
fn config_missing() {
    let h = home().env("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-cfgmissing-000000");
    std::fs::create_dir_all(h.oc()).unwrap();
    let (_, v, _) = doctor(&h, &[]);
    let f = expect(&v, "config-missing", "info");
    assert!(msg(f).contains("openai/gpt-6-astra"), "{f:#}");
    absent(&v, "state-dir-missing");
}

#[test]
fn config_env_key_outside_vars() {
    let Some((h, now)) = fixture("28-config-env-block-invalid-key") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "config-env-key-outside-vars", "error");
    assert!(msg(f).contains("env.ANTHROPIC_API_KEY"), "{f:#}");
    assert!(fix(f).contains("env.vars"), "{f:#}");
    assert_eq!(f["path"], "~/.openclaw/openclaw.json");
    absent(&v, "config-invalid");
}

#[test]
fn config_unparseable() {
    let Some((h, now)) = fixture("30-malformed-openclaw-json") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "config-unparseable", "error");
    assert!(msg(f).contains("JSON5"), "{f:#}");
}

#[test]
fn config_invalid() {
    let h = home();
    h.write(".openclaw/openclaw.json", r#"{"bogusRootKey": 1}"#);
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "config-invalid", "error");
    assert!(msg(f).contains("bogusRootKey"), "{f:#}");
}

#[test]
fn legacy_auth_profiles_json_valid_and_malformed() {
    for name in [
        "15-legacy-auth-profiles-json-valid",
        "14-malformed-auth-profiles-json",
    ] {
        let Some((h, now)) = fixture(name) else {
            return;
        };
        let (code, v, _) = doctor_at(&h, &now, &[]);
        assert_eq!(code, 1, "{name}");
        let f = expect(&v, "legacy-auth-profiles-json", "error");
        assert_eq!(
            f["path"],
            "~/.openclaw/agents/main/agent/auth-profiles.json"
        );
        assert_eq!(f["agent"], "main");
        assert!(
            msg(f).contains("requires legacy credential migration"),
            "{f:#}"
        );
        if name.starts_with("15") {
            assert!(fix(f).contains("openclaw doctor --fix"), "{f:#}");
            assert!(msg(f).contains("1 profile(s) for anthropic"), "{f:#}");
        } else {
            assert!(msg(f).contains("malformed"), "{f:#}");
        }
    }
}

#[test]
fn legacy_file_beside_a_store_is_a_warning() {
    // The legacy-main agent DB holds profiles: OpenClaw ignores the JSON file.
    let h = home();
    h.config_anthropic().agent_store(
        "main",
        json!({"anthropic:key": api_key("sk-ant-api03-FAKE-legacymain-0000000")}),
        None,
    );
    h.write(
        ".openclaw/agents/main/agent/auth-profiles.json",
        r#"{"version":1,"profiles":{}}"#,
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    let f = expect(&v, "legacy-auth-profiles-json", "warning");
    assert!(msg(f).contains("left over"), "{f:#}");
    assert_eq!(code, 2, "{v:#}");
}

#[test]
fn legacy_auth_json_and_auth_state_json() {
    let h = home();
    h.config_anthropic();
    h.write(
        ".openclaw/agents/main/agent/auth.json",
        r#"{"anthropic":{"type":"api_key","key":"sk-ant-api03-FAKE-flat-0000000000"}}"#,
    );
    h.write(
        ".openclaw/agents/main/agent/auth-state.json",
        r#"{"version":1}"#,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &[]);
    expect(&v, "legacy-auth-json", "error");
    expect(&v, "legacy-auth-state-json", "info");
}

#[test]
fn legacy_oauth_json() {
    let h = home();
    h.config_anthropic();
    h.write(
        ".openclaw/credentials/oauth.json",
        r#"{"anthropic":{"access":"FAKE-legacy-oauth-access"}}"#,
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "legacy-oauth-json", "error");
    assert_eq!(f["path"], "~/.openclaw/credentials/oauth.json");
}

#[test]
fn agent_store_unreadable() {
    let h = healthy();
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"defaults":{"model":"anthropic/claude-sonnet-4-6"},"entries":{"main":{"default":true},"research":{}}}}"#,
    );
    h.write(
        ".openclaw/agents/research/agent/openclaw-agent.sqlite",
        "not a database",
    );
    chmod_private(h.path());
    assert_eq!(doctor(&h, &[]).0, 0, "research is not checked by default");
    let (code, v, _) = doctor(&h, &["--all-agents"]);
    assert_eq!(code, 1);
    let f = expect(&v, "store-unreadable", "error");
    assert_eq!(f["agent"], "research");
    assert_eq!(
        f["path"],
        "~/.openclaw/agents/research/agent/openclaw-agent.sqlite"
    );
}

#[test]
fn invalid_shared_store() {
    let Some((h, now)) = fixture("34-invalid-shared-store-location") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "invalid-shared-store", "error");
    assert!(msg(f).contains("bogus"), "{f:#}");
    assert!(fix(f).contains("openclaw doctor --fix"), "{f:#}");
    assert_eq!(f["path"], "~/.openclaw/state/openclaw.sqlite");
}

#[test]
fn store_unreadable() {
    let h = home();
    h.config_anthropic();
    h.write(
        ".openclaw/state/openclaw.sqlite",
        b"this is not a database at all, just bytes".repeat(200),
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    expect(&v, "store-unreadable", "error");
}

#[test]
fn profile_dropped() {
    let h = home();
    h.config_anthropic().store(
        json!({
            "anthropic:key": api_key("sk-ant-api03-FAKE-dropped-00000000000"),
            "anthropic:broken": {"type":"mystery","provider":"anthropic"}
        }),
        None,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &[]);
    let f = expect(&v, "profile-dropped", "warning");
    assert!(msg(f).contains("anthropic:broken"), "{f:#}");
}

#[test]
fn credential_file_permissions() {
    let Some((h, now)) = fixture("17-perms-0644") else {
        return;
    };
    let db = h.oc().join("state/openclaw.sqlite");
    chmod(&db, 0o644);
    chmod(&h.oc().join("openclaw.json"), 0o644);
    h.write(".openclaw/.env", "OPENAI_API_KEY=sk-FAKE-perm-0000000000\n");
    chmod(&h.oc().join(".env"), 0o640);
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 2, "only the modes are wrong");
    let fs: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "credential-file-permissions")
        .collect();
    let paths: Vec<&str> = fs.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["~/.openclaw/state/openclaw.sqlite", "~/.openclaw/.env"],
        "openclaw.json holds no secret here"
    );
    assert_eq!(fs[0]["severity"], "warning");
    assert!(
        msg(fs[0]).contains("0644") && msg(fs[0]).contains("readable"),
        "{:#}",
        fs[0]
    );
    assert_eq!(fix(fs[0]), "chmod 600 ~/.openclaw/state/openclaw.sqlite");
    assert!(msg(fs[1]).contains("its group"), "{:#}", fs[1]);
    chmod(&db, 0o600);
    chmod(&h.oc().join(".env"), 0o600);
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn route_without_credential_names_route_and_provider() {
    let Some((h, now)) = fixture("02-config-anthropic-no-auth") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "route-without-credential", "error");
    assert!(msg(f).contains("provider anthropic"), "{f:#}");
    assert!(msg(f).contains("text anthropic/claude-sonnet-4-6"), "{f:#}");
    assert!(
        msg(f).contains("utility anthropic/claude-haiku-4-5"),
        "{f:#}"
    );
    assert!(fix(f).contains("ANTHROPIC_API_KEY"), "{f:#}");
}

#[test]
fn profile_expired_breaking_a_route_is_an_error() {
    let Some((h, now)) = fixture("07-token-expired") else {
        return;
    };
    let (_, v, _) = doctor_at(&h, &now, &[]);
    let f = expect(&v, "profile-expired", "error");
    assert!(
        msg(f).contains("anthropic:manual") && msg(f).contains("expired 1h ago"),
        "{f:#}"
    );
    assert!(
        fix(f).contains("claude setup-token") && fix(f).contains("paste-token"),
        "{f:#}"
    );
    assert_eq!(f["path"], "~/.openclaw/state/openclaw.sqlite");
    absent(&v, "route-without-credential");
}

#[test]
fn profile_expired_of_an_unused_provider_is_a_warning() {
    let Some((h, now)) = fixture("11-other-provider-expired") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 2);
    let f = expect(&v, "profile-expired", "warning");
    assert!(
        msg(f).contains("openai:manual") && msg(f).contains("no configured route uses openai"),
        "{f:#}"
    );
}

#[test]
fn oauth_expired_with_refresh() {
    let Some((h, now)) = fixture("08-oauth-expired-with-refresh") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "profile-expired", "error");
    assert!(
        fix(f).contains("openclaw models auth login --provider anthropic"),
        "{f:#}"
    );
}

#[test]
fn profile_expiring_not_selected_is_info() {
    // An expiring token in cooldown beside a valid key: the key is selected.
    let h = home();
    h.config_anthropic().store(
        json!({
            "anthropic:manual": tok(NOW_MS + 3 * H, "sk-ant-oat01-FAKE-expiring-unused-00000"),
            "anthropic:key": api_key("sk-ant-api03-FAKE-selected-000000000"),
        }),
        Some(json!({"version":1,"order":{"anthropic":["anthropic:key","anthropic:manual"]}})),
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    let f = expect(&v, "profile-expiring", "info");
    assert!(msg(f).contains("not selected"), "{f:#}");
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn profile_cooldown_with_until() {
    let Some((h, now)) = fixture("23-api-key-cooldown") else {
        return;
    };
    let (code, v, _) = doctor_at(&h, &now, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "profile-cooldown", "error");
    assert!(
        msg(f).contains("anthropic:key") && msg(f).contains("until 2026-11-25T22:51:55Z"),
        "{f:#}"
    );
    assert!(msg(f).contains("rate_limit"), "{f:#}");
}

#[test]
fn profile_disabled_with_until() {
    let h = home();
    h.config_anthropic().store(
        json!({"anthropic:key": api_key("sk-ant-api03-FAKE-disabled-00000000000")}),
        Some(json!({"version":1,"usageStats":{"anthropic:key":{"disabledUntil": NOW_MS + 5 * H, "disabledReason":"billing"}}})),
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "profile-disabled", "error");
    assert!(
        msg(f).contains("billing") && msg(f).contains("until 2026-11-26T01:51:55Z"),
        "{f:#}"
    );
}

#[test]
fn profile_unusable() {
    let h = home();
    h.config_anthropic().store(
        json!({"anthropic:manual": {"type":"token","provider":"anthropic","token":"sk-ant-oat01-FAKE-badexp-000000","expires":"soon"}}),
        None,
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "profile-unusable", "error");
    assert!(msg(f).contains("expiry is not a valid"), "{f:#}");
}

#[test]
fn auth_order_unknown_profile_in_config_and_store() {
    let h = home();
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"defaults":{"model":"anthropic/claude-sonnet-4-6"}},"auth":{"order":{"anthropic":["anthropic:gone","anthropic:key"]}}}"#,
    );
    h.store(
        json!({"anthropic:key": api_key("sk-ant-api03-FAKE-order-0000000000000")}),
        Some(json!({"version":1,"order":{"openai":["openai:vanished"]}})),
    );
    chmod_private(h.path());
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 2, "{v:#}");
    let all: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "auth-order-unknown-profile")
        .collect();
    assert_eq!(all.len(), 2, "{v:#}");
    assert!(msg(all[0]).contains("auth.order.anthropic") && msg(all[0]).contains("anthropic:gone"));
    assert_eq!(all[0]["path"], "~/.openclaw/openclaw.json");
    assert!(msg(all[1]).contains("openai:vanished"));
    assert!(fix(all[1]).contains("openclaw doctor --fix"));
}

#[test]
fn agent_unresolved() {
    let h = home();
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"ownership":"explicit","defaults":{"model":"anthropic/claude-sonnet-4-6"},"entries":{"main":{},"research":{}}}}"#,
    );
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "agent-unresolved", "error");
    assert!(fix(f).contains("--agent"), "{f:#}");
}

#[test]
fn setup_token_in_api_key_var() {
    let h = home().env(
        "ANTHROPIC_API_KEY",
        "sk-ant-oat01-FAKE-in-the-wrong-place-000000",
    );
    h.config_anthropic();
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "setup-token-in-api-key-var", "error");
    assert!(
        msg(f).contains("ANTHROPIC_API_KEY")
            && msg(f).contains("only authorized for use with Claude Code"),
        "{f:#}"
    );
    assert!(fix(f).contains("paste-token"), "{f:#}");
    // From ~/.openclaw/.env: the finding names the file.
    let h = home();
    h.config_anthropic();
    h.write(
        ".openclaw/.env",
        "ANTHROPIC_API_KEY=sk-ant-oat01-FAKE-in-dotenv-0000000000\n",
    );
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &[]);
    let f = expect(&v, "setup-token-in-api-key-var", "error");
    assert_eq!(f["path"], "~/.openclaw/.env");
    // A setup-token stored as an api_key profile.
    let h = home();
    h.config_anthropic().store(
        json!({"anthropic:key": api_key("sk-ant-oat01-FAKE-token-as-key-0000000")}),
        None,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &[]);
    let f = expect(&v, "setup-token-in-api-key-var", "error");
    assert!(msg(f).contains("anthropic:key"), "{f:#}");
    assert_eq!(f["path"], "~/.openclaw/state/openclaw.sqlite");
    // An API key there is fine.
    let h = home().env("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-right-place-0000000");
    h.config_anthropic();
    absent(&doctor(&h, &[]).1, "setup-token-in-api-key-var");
}

#[test]
fn rotation_without_base_key() {
    let h = home().env(
        "OPENCLAW_LIVE_ANTHROPIC_KEYS",
        "sk-ant-api03-FAKE-rot-a-00000000,sk-ant-api03-FAKE-rot-b-00000000",
    );
    h.config_anthropic();
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1, "the route still has no credential");
    let f = expect(&v, "rotation-without-base-key", "warning");
    assert!(
        msg(f).contains("OPENCLAW_LIVE_ANTHROPIC_KEYS") && msg(f).contains("2 anthropic key(s)"),
        "{f:#}"
    );
    assert!(fix(f).contains("ANTHROPIC_API_KEY"), "{f:#}");
    let r = expect(&v, "route-without-credential", "error");
    assert!(msg(r).contains("rotation keys"), "{r:#}");
}

#[test]
fn rotation_list_var_ignored() {
    let Some((h, now)) = fixture("13-rotation-env-keys") else {
        return;
    };
    let (_, v, _) = doctor_at(&h, &now, &[]);
    let f = expect(&v, "rotation-list-var-ignored", "warning");
    assert!(fix(f).contains("OPENCLAW_LIVE_ANTHROPIC_KEYS"), "{f:#}");
}

fn gateway_unit(h: &Home, extra: &str) {
    h.write(
        ".config/systemd/user/openclaw-gateway.service",
        format!("[Unit]\nDescription=OpenClaw Gateway\n[Service]\nExecStart=/usr/bin/openclaw gateway\n{extra}\n[Install]\nWantedBy=default.target\n"),
    );
}

#[test]
fn key_only_in_shell_profile() {
    let key = "sk-ant-api03-FAKE-bashrc-only-00000000";
    // doctor runs from the login shell, so the key is in its environment.
    let h = home().env("ANTHROPIC_API_KEY", key);
    h.config_anthropic();
    gateway_unit(&h, "");
    h.write(
        ".bashrc",
        format!("alias ll='ls -l'\nexport ANTHROPIC_API_KEY={key}\n"),
    );
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 1);
    let f = expect(&v, "key-only-in-shell-profile", "error");
    assert!(
        msg(f).contains("ANTHROPIC_API_KEY") && msg(f).contains("openclaw-gateway.service"),
        "{f:#}"
    );
    assert!(
        fix(f).contains("~/.openclaw/.env") && fix(f).contains("systemctl --user restart"),
        "{f:#}"
    );
    assert_eq!(f["path"], "~/.bashrc");
    // In ~/.openclaw/.env too: fine.
    h.write(".openclaw/.env", format!("ANTHROPIC_API_KEY={key}\n"));
    chmod_private(h.path());
    absent(&doctor(&h, &[]).1, "key-only-in-shell-profile");
    std::fs::remove_file(h.oc().join(".env")).unwrap();
    // The unit imports the login shell's environment: fine.
    gateway_unit(&h, "Environment=OPENCLAW_LOAD_SHELL_ENV=1");
    absent(&doctor(&h, &[]).1, "key-only-in-shell-profile");
    // No gateway service: nothing to say.
    std::fs::remove_file(
        h.path()
            .join(".config/systemd/user/openclaw-gateway.service"),
    )
    .unwrap();
    absent(&doctor(&h, &[]).1, "key-only-in-shell-profile");
}

#[test]
fn claude_code_creds_unused() {
    for name in ["32-claude-cli-creds-valid", "33-claude-cli-creds-expired"] {
        let Some((h, now)) = fixture(name) else {
            return;
        };
        let (code, v, _) = doctor_at(&h, &now, &[]);
        assert_eq!(code, 1, "{name}");
        let f = expect(&v, "claude-code-creds-unused", "info");
        assert_eq!(f["path"], "~/.claude/.credentials.json");
        let word = if name.starts_with("32") {
            "valid"
        } else {
            "expired"
        };
        assert!(msg(f).contains(word), "{f:#}");
        assert!(fix(f).contains("claude setup-token"), "{f:#}");
        expect(&v, "route-without-credential", "error");
    }
}

#[test]
fn claude_code_expiry_mismatch() {
    // Claude Code's login is valid (fixture 32), OpenClaw's stored token expired.
    let Some((h, now)) = fixture("32-claude-cli-creds-valid") else {
        return;
    };
    let now_ms = chrono_ms(&now);
    h.store(
        json!({"anthropic:manual": tok(now_ms - 2 * H, "sk-ant-oat01-FAKE-openclaw-copy-00000")}),
        None,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor_at(&h, &now, &[]);
    let f = expect(&v, "claude-code-expiry-mismatch", "warning");
    assert!(
        msg(f).contains("is valid")
            && msg(f).contains("anthropic:manual")
            && msg(f).contains("expired"),
        "{f:#}"
    );
    absent(&v, "claude-code-creds-unused");

    // The same token, but OpenClaw records another expiry.
    let Some((h, now)) = fixture("32-claude-cli-creds-valid") else {
        return;
    };
    let now_ms = chrono_ms(&now);
    h.store(
        json!({"anthropic:manual": tok(now_ms + 10 * D, "sk-ant-oat01-FAKECLAUDE")}),
        None,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor_at(&h, &now, &[]);
    let f = expect(&v, "claude-code-expiry-mismatch", "warning");
    assert!(msg(f).contains("same token"), "{f:#}");

    // Claude Code's login expired (fixture 33), OpenClaw's token is valid: info.
    let Some((h, now)) = fixture("33-claude-cli-creds-expired") else {
        return;
    };
    let now_ms = chrono_ms(&now);
    h.store(
        json!({"anthropic:manual": tok(now_ms + 30 * D, "sk-ant-oat01-FAKE-long-lived-0000000")}),
        None,
    );
    chmod_private(h.path());
    let (code, v, _) = doctor_at(&h, &now, &[]);
    expect(&v, "claude-code-expiry-mismatch", "info");
    assert_eq!(code, 0, "{v:#}");
}

fn chrono_ms(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn claude_code_creds_invalid_and_dotenv_unreadable() {
    let h = healthy();
    h.write(
        ".claude/.credentials.json",
        r#"{"claudeAiOauth":{"accessToken":""}}"#,
    );
    std::fs::create_dir_all(h.oc().join(".env")).unwrap();
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &[]);
    expect(&v, "claude-code-creds-invalid", "info");
    expect(&v, "dotenv-unreadable", "warning");
}

// ------------------------------------------------------------ clawwatch side

/// `once --config cfg --now now --textfile tf`, which must exit 0; the
/// textfile it wrote.
fn once_textfile(h: &Home, cfg: &str, tf: &Path, now: &str) -> String {
    let o = h.run(&[
        "once",
        "--config",
        cfg,
        "--now",
        now,
        "--textfile",
        &tf.to_string_lossy(),
    ]);
    assert_eq!(rc(&o), 0, "{}", text(&o));
    std::fs::read_to_string(tf).unwrap()
}

fn clawwatch_config(h: &Home, toml: &str) -> String {
    h.write("cw/clawwatch.toml", toml)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn clawwatch_config_invalid() {
    let h = healthy();
    let cfg = clawwatch_config(&h, "[metrics]\nlistn = 1\n");
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 1);
    let f = expect(&v, "clawwatch-config-invalid", "error");
    assert!(msg(f).contains("listn"), "{f:#}");
    // A missing explicit file is a finding too, not a crash.
    let (code, v, _) = doctor(&h, &["--config", "/nonexistent/clawwatch.toml"]);
    assert_eq!(code, 1);
    expect(&v, "clawwatch-config-invalid", "error");
}

#[test]
fn clawwatch_state_dir_unwritable() {
    let h = healthy();
    h.write("not-a-dir", "x");
    let state = h.path().join("not-a-dir/alert-state.json");
    let cfg = clawwatch_config(
        &h,
        &format!("[alert]\nstate_file = {:?}\n", state.to_string_lossy()),
    );
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 1);
    let f = expect(&v, "clawwatch-state-dir-unwritable", "error");
    assert!(msg(f).contains("not a directory"), "{f:#}");
    // A state dir that does not exist yet but can be created is fine (and
    // doctor does not create it).
    let state = h.path().join("state-later/alert-state.json");
    let cfg = clawwatch_config(
        &h,
        &format!("[alert]\nstate_file = {:?}\n", state.to_string_lossy()),
    );
    absent(
        &doctor(&h, &["--config", &cfg]).1,
        "clawwatch-state-dir-unwritable",
    );
    assert!(!h.path().join("state-later").exists());
}

#[test]
fn clawwatch_textfile_dir_unwritable() {
    let h = healthy();
    let tf = h.path().join("no-such-dir/clawwatch.prom");
    let cfg = clawwatch_config(
        &h,
        &format!("[metrics]\ntextfile = {:?}\n", tf.to_string_lossy()),
    );
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 1);
    let f = expect(&v, "clawwatch-textfile-dir-unwritable", "error");
    assert!(msg(f).contains("does not exist"), "{f:#}");
    std::fs::create_dir_all(h.path().join("no-such-dir")).unwrap();
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn alert_channel_incomplete() {
    let h = healthy();
    let cfg = clawwatch_config(
        &h,
        "[[alert.webhook]]\nname = \"hook\"\n\n[[alert.email]]\nname = \"ops\"\nsmtp_host = \"smtp.example.org\"\nto = [\"ops@example.org\"]\n",
    );
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 1);
    let all: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "alert-channel-incomplete")
        .collect();
    assert_eq!(all.len(), 2, "{v:#}");
    assert!(
        msg(all[0]).contains("email \"ops\"") && msg(all[0]).contains("from is not set"),
        "{:#}",
        all[0]
    );
    assert!(
        msg(all[1]).contains("webhook \"hook\"") && msg(all[1]).contains("url is not set"),
        "{:#}",
        all[1]
    );
    assert!(fix(all[1]).contains("clawwatch alert test --channel hook"));
}

/// A loopback server that accepts connections and answers each with
/// `answer` (or closes), until `max` connections or 30 s.
fn tcp_server(answer: &'static [u8], max: usize) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut served = 0;
        while served < max && start.elapsed() < Duration::from_secs(30) {
            match l.accept() {
                Ok((mut s, _)) => {
                    served += 1;
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf);
                    let _ = s.write_all(answer);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    addr
}

#[test]
fn metrics_port_in_use_or_ours() {
    let h = healthy();
    let taken = tcp_server(b"HTTP/1.0 200 OK\r\n\r\nsomething else\n", 4);
    let h = h.env("CLAWWATCH_METRICS_LISTEN", &taken);
    // No config file: `run` may not be deployed at all, a warning.
    let (code, v, _) = doctor(&h, &[]);
    assert_eq!(code, 2);
    let f = expect(&v, "metrics-port-in-use", "warning");
    assert!(msg(f).contains(&taken), "{f:#}");
    // A config file that asks for that address: an error.
    let cfg = clawwatch_config(&h, &format!("[metrics]\nlisten = \"{taken}\"\n"));
    let (code, v, _) = doctor(&h, &["--config", &cfg]);
    assert_eq!(code, 1);
    expect(&v, "metrics-port-in-use", "error");
    let ours = tcp_server(
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n# TYPE clawwatch_build_info gauge\nclawwatch_build_info{version=\"0.1.0\"} 1\n",
        4,
    );
    let mut h = h;
    h.env.push(("CLAWWATCH_METRICS_LISTEN".into(), ours));
    let (code, v, _) = doctor(&h, &[]);
    expect(&v, "metrics-port-ours", "info");
    absent(&v, "metrics-port-in-use");
    assert_eq!(code, 0);
    // A free port: nothing.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    h.env.push(("CLAWWATCH_METRICS_LISTEN".into(), free));
    assert_eq!(doctor(&h, &[]).0, 0);
}

/// A tiny SMTP server: greeting, then 250 to EHLO.
fn smtp_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let _ = w.write_all(b"220 test ESMTP ready\r\n");
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            if line.starts_with("EHLO") {
                let _ = w.write_all(b"250-test greets you\r\n250 SIZE 1000\r\n");
            }
            let _ = r.read_line(&mut line);
        }
    });
    addr
}

#[test]
fn probe_smtp_answers_ehlo_or_not() {
    let h = healthy();
    let ok = smtp_server();
    let (host, port) = ok.split_once(':').unwrap();
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = clawwatch_config(
        &h,
        &format!(
            "[[alert.email]]\nname = \"good\"\nsmtp_host = \"{host}\"\nsmtp_port = {port}\ntls = \"none\"\nfrom = \"a@b\"\nto = [\"c@d\"]\n\n\
             [[alert.email]]\nname = \"down\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {free}\ntls = \"none\"\nfrom = \"a@b\"\nto = [\"c@d\"]\n"
        ),
    );
    // Without --probe, no network.
    let (_, v, _) = doctor(&h, &["--config", &cfg]);
    absent(&v, "probe-smtp-ok");
    absent(&v, "probe-smtp-failed");
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    let f = expect(&v, "probe-smtp-ok", "info");
    assert!(
        msg(f).contains("\"good\"") && msg(f).contains("250"),
        "{f:#}"
    );
    let f = expect(&v, "probe-smtp-failed", "error");
    assert!(msg(f).contains("\"down\""), "{f:#}");
}

// ------------------------------------------------------------ probe

#[derive(Debug, Clone)]
struct Req {
    path: String,
    headers: BTreeMap<String, String>,
}

impl Req {
    /// The credential sent (x-api-key or Bearer).
    fn key(&self) -> String {
        self.headers
            .get("x-api-key")
            .cloned()
            .or_else(|| {
                self.headers
                    .get("authorization")
                    .and_then(|a| a.strip_prefix("Bearer ").map(str::to_string))
            })
            .unwrap_or_default()
    }
}

/// A scripted provider on 127.0.0.1:0: the answer depends on a marker in
/// the key (`-ok`, `-r429`, `-revoked`, `-e500`, `-quota`), and every request
/// is recorded. Serves at most 32 requests or 30 s.
fn provider_server() -> (String, Arc<Mutex<Vec<Req>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    l.set_nonblocking(true).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut served = 0;
        while served < 32 && start.elapsed() < Duration::from_secs(30) {
            let (s, _) = match l.accept() {
                Ok(x) => x,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
            };
            served += 1;
            let _ = s.set_nonblocking(false);
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            handle(s, &log2);
        }
    });
    (base, log)
}

fn handle(s: TcpStream, log: &Mutex<Vec<Req>>) {
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut first = String::new();
    if r.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    let req = Req { path, headers };
    let key = req.key();
    log.lock().unwrap().push(req);
    let (status, body) = if key.contains("-ok") {
        (
            "200 OK",
            r#"{"data":[{"id":"claude-sonnet-4-6"}]}"#.to_string(),
        )
    } else if key.contains("-r429") {
        ("429 Too Many Requests", r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"#.to_string())
    } else if key.contains("-revoked") {
        // Echo the key back, as a careless provider might: doctor must scrub it.
        (
            "401 Unauthorized",
            format!(
                r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key {key}"}}}}"#
            ),
        )
    } else if key.contains("-e500") {
        (
            "500 Internal Server Error",
            r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#
                .to_string(),
        )
    } else if key.contains("-quota") {
        ("400 Bad Request", r#"{"error":{"code":400,"message":"Quota exceeded for quota metric 'Requests' of this key","status":"RESOURCE_EXHAUSTED"}}"#.to_string())
    } else {
        (
            "403 Forbidden",
            r#"{"error":{"message":"unknown key"}}"#.to_string(),
        )
    };
    let _ = write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn probe_home(base: &str) -> (Home, String) {
    let h = home();
    h.config_anthropic();
    let cfg = clawwatch_config(
        &h,
        &format!("[doctor]\nbase_urls = {{ anthropic = \"{base}\" }}\n"),
    );
    (h, cfg)
}

fn k(marker: &str, n: u32) -> String {
    format!("sk-ant-api03-FAKE{marker}-{n:04}-000000000000000000")
}

fn sent(log: &Mutex<Vec<Req>>) -> Vec<String> {
    log.lock().unwrap().iter().map(Req::key).collect()
}

#[test]
fn probe_200_sends_one_minimal_request() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h.env("ANTHROPIC_API_KEY", &k("-ok", 1));
    let (code, v, out) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(code, 0, "{out}");
    let f = expect(&v, "probe-ok", "info");
    assert!(
        msg(f).contains("ANTHROPIC_API_KEY") && msg(f).contains("accepted"),
        "{f:#}"
    );
    let reqs = log.lock().unwrap().clone();
    assert_eq!(
        reqs.len(),
        1,
        "one request for text + utility routes: {reqs:?}"
    );
    assert_eq!(reqs[0].path, "/v1/models");
    assert_eq!(reqs[0].headers["x-api-key"], k("-ok", 1));
    assert_eq!(reqs[0].headers["anthropic-version"], "2023-06-01");
    assert!(!reqs[0].headers.contains_key("authorization"));
    // Without --probe nothing is sent.
    doctor(&h, &["--config", &cfg]);
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn probe_401_is_reported_although_expiry_lies_in_the_future() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let token = format!("sk-ant-oat01-FAKE-revoked-{}", "0".repeat(24));
    h.store(
        json!({"anthropic:manual": tok(NOW_MS + 30 * D, &token)}),
        None,
    );
    chmod_private(h.path());
    // Without probing, a valid token.
    assert_eq!(doctor(&h, &["--config", &cfg]).0, 0);
    let (code, v, out) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(code, 1, "{out}");
    let f = expect(&v, "probe-unauthorized", "error");
    assert!(
        msg(f).contains("anthropic:manual") && msg(f).contains("HTTP 401"),
        "{f:#}"
    );
    assert!(msg(f).contains("lies in the future"), "{f:#}");
    assert!(fix(f).contains("claude setup-token"), "{f:#}");
    assert!(
        !out.contains("revoked-000000000000"),
        "the echoed key is scrubbed:\n{out}"
    );
    let reqs = log.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].headers["authorization"], format!("Bearer {token}"));
    assert_eq!(reqs[0].headers["anthropic-version"], "2023-06-01");
    assert!(!reqs[0].headers.contains_key("x-api-key"));
}

#[test]
fn probe_rotates_in_the_gateway_order_with_dedup_429_then_200() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    // Selected: ANTHROPIC_API_KEY (a). Gateway list: [a] + list var [b, a, c]
    // + ANTHROPIC_API_KEY + _1 (b again) + _2 (d) → a, b, c, d.
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-r429", 1))
        .env(
            "OPENCLAW_LIVE_ANTHROPIC_KEYS",
            &format!("{}, {};{}", k("-r429", 2), k("-r429", 1), k("-ok", 3)),
        )
        .env("ANTHROPIC_API_KEY_1", &k("-r429", 2))
        .env("ANTHROPIC_API_KEY_2", &k("-ok", 4));
    let (code, v, out) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(
        sent(&log),
        [k("-r429", 1), k("-r429", 2), k("-ok", 3)],
        "{out}"
    );
    let f = expect(&v, "probe-ok", "info");
    assert!(msg(f).contains("OPENCLAW_LIVE_ANTHROPIC_KEYS[3]"), "{f:#}");
    assert!(msg(f).contains("2 rate-limited key(s)"), "{f:#}");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn probe_pin_takes_one_key() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-r429", 1))
        .env("OPENCLAW_LIVE_ANTHROPIC_KEY", &k("-r429", 2))
        .env("ANTHROPIC_API_KEY_1", &k("-ok", 3));
    let (code, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    // The selected key, then only the pinned key.
    assert_eq!(sent(&log), [k("-r429", 1), k("-r429", 2)]);
    expect(&v, "probe-rate-limited", "warning");
    assert_eq!(code, 2);
}

#[test]
fn probe_only_rate_limits_rotate() {
    // 500 stops.
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-e500", 1))
        .env("ANTHROPIC_API_KEY_1", &k("-ok", 2));
    let (code, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-e500", 1)]);
    let f = expect(&v, "probe-failed", "warning");
    assert!(
        msg(f).contains("HTTP 500") && msg(f).contains("1 more key(s) were not tried"),
        "{f:#}"
    );
    assert_eq!(code, 2);
    // 401 stops.
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-revoked", 1))
        .env("ANTHROPIC_API_KEY_1", &k("-ok", 2));
    let (code, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-revoked", 1)]);
    let f = expect(&v, "probe-unauthorized", "error");
    assert!(fix(f).contains("ANTHROPIC_API_KEY"), "{f:#}");
    assert_eq!(code, 1);
    // A 400 with a quota message is a rate limit: it rotates.
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-quota", 1))
        .env("ANTHROPIC_API_KEY_1", &k("-ok", 2));
    let (code, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-quota", 1), k("-ok", 2)]);
    expect(&v, "probe-ok", "info");
    assert_eq!(code, 0);
}

#[test]
fn probe_returns_the_last_error_when_all_fail() {
    // Every key rate-limited: the last answer (the quota message) is reported.
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-r429", 1))
        .env("ANTHROPIC_API_KEY_1", &k("-quota", 2));
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-r429", 1), k("-quota", 2)]);
    let f = expect(&v, "probe-rate-limited", "warning");
    assert!(
        msg(f).contains("HTTP 400") && msg(f).contains("Quota exceeded"),
        "{f:#}"
    );
    assert!(msg(f).contains("2 of 2 key(s)"), "{f:#}");
    // Rotation ending on a non-rate-limit error reports that error.
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h
        .env("ANTHROPIC_API_KEY", &k("-r429", 1))
        .env("ANTHROPIC_API_KEY_1", &k("-e500", 2))
        .env("ANTHROPIC_API_KEY_2", &k("-ok", 3));
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-r429", 1), k("-e500", 2)]);
    let f = expect(&v, "probe-failed", "warning");
    assert!(
        msg(f).contains("HTTP 500") && msg(f).contains("ANTHROPIC_API_KEY_1"),
        "{f:#}"
    );
}

#[test]
fn probe_rotation_keys_without_a_selected_credential() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    let h = h.env(
        "OPENCLAW_LIVE_ANTHROPIC_KEYS",
        &format!("{},{}", k("-r429", 1), k("-ok", 2)),
    );
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    assert_eq!(sent(&log), [k("-r429", 1), k("-ok", 2)]);
    expect(&v, "probe-ok", "info");
    expect(&v, "rotation-without-base-key", "warning");
}

#[test]
fn probe_unreachable_provider() {
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (h, cfg) = probe_home(&format!("http://{free}"));
    let h = h.env("ANTHROPIC_API_KEY", &k("-ok", 1));
    let (code, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    let f = expect(&v, "probe-failed", "warning");
    assert!(
        msg(f).to_lowercase().contains("connect") || msg(f).to_lowercase().contains("refused"),
        "{f:#}"
    );
    assert_eq!(code, 2);
}

#[test]
fn probe_skipped_for_a_secret_reference() {
    let (base, log) = provider_server();
    let (h, cfg) = probe_home(&base);
    h.store(
        json!({"anthropic:ref": {"type":"api_key","provider":"anthropic","keyRef":{"source":"env","provider":"default","id":"MY_KEY"}}}),
        None,
    );
    chmod_private(h.path());
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    let f = expect(&v, "probe-skipped", "info");
    assert!(msg(f).contains("anthropic:ref"), "{f:#}");
    assert!(sent(&log).is_empty());
}

#[test]
fn probe_unsupported_provider() {
    let (base, _log) = provider_server();
    let (h, cfg) = probe_home(&base);
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"defaults":{"model":"together/some-model"}}}"#,
    );
    let h = h.env("TOGETHER_API_KEY", "FAKE-together-key-000000000000");
    let (_, v, _) = doctor(&h, &["--config", &cfg, "--probe"]);
    expect(&v, "probe-unsupported", "info");
}

// ------------------------------------------------------------ secrets, read-only

#[test]
fn no_secret_in_any_doctor_output() {
    let secrets = [
        "sk-ant-oat01-FAKEdoctorSecretZero0000000000000",
        "sk-ant-api03-FAKEdoctorSecretOne11111111111111",
        "sk-ant-oat01-FAKEdoctorSecretTwo22222222222222",
        "sk-FAKEdoctorSecretThree333333333333333333333",
        "sk-ant-oat01-FAKEdoctorSecretFour444444444444",
        "sk-ant-api03-FAKEdoctorSecretFive55555555555-revoked",
        "xai-FAKEdoctorSecretSix66666666666666666666666",
        "sk-ant-api03-FAKEdoctorSecretSeven777777777777",
    ];
    let (base, _log) = provider_server();
    let (h, _) = probe_home(&base);
    let cfg = clawwatch_config(
        &h,
        &format!("[doctor]\nbase_urls = {{ anthropic = \"{base}\", xai = \"{base}\" }}\n"),
    );
    let h = h
        .env("ANTHROPIC_API_KEY", secrets[2])
        .env("ANTHROPIC_API_KEYS", secrets[7])
        .env("RUST_LOG", "trace");
    h.write(
        ".openclaw/openclaw.json",
        format!(r#"{{"agents":{{"defaults":{{"model":{{"primary":"anthropic/claude-sonnet-4-6","fallbacks":["xai/grok-4"]}}}}}},"env":{{"vars":{{"XAI_API_KEY":"{}"}}}}}}"#, secrets[6]),
    );
    h.write(".openclaw/.env", format!("OPENAI_API_KEY={}\n", secrets[3]));
    h.write(
        ".claude/.credentials.json",
        format!(
            r#"{{"claudeAiOauth":{{"accessToken":"{}","expiresAt":1798231915000}}}}"#,
            secrets[4]
        ),
    );
    h.store(
        json!({
            "anthropic:manual": tok(NOW_MS + 30 * D, secrets[0]),
            "anthropic:key": api_key(secrets[5]),
            "anthropic:bad": api_key(secrets[1].replace("api03", "oat01").as_str()),
        }),
        Some(json!({"version":1,"order":{"anthropic":["anthropic:key"]}})),
    );
    for args in [
        vec![
            "doctor", "--now", NOW_ISO, "--config", &cfg, "--probe", "-vvv",
        ],
        vec![
            "doctor", "--json", "--now", NOW_ISO, "--config", &cfg, "--probe",
        ],
        vec!["doctor", "--json", "--now", NOW_ISO, "--all-agents"],
    ] {
        let o = h.run(&args);
        let all = text(&o);
        assert!(
            all.contains("probe-") || !args.contains(&"--probe"),
            "{all}"
        );
        for s in secrets
            .iter()
            .map(|s| s.to_string())
            .chain([secrets[1].replace("api03", "oat01")])
        {
            let chars: Vec<char> = s.chars().collect();
            for w in chars.windows(16) {
                let slice: String = w.iter().collect();
                assert!(!all.contains(&slice), "{args:?} leaks {slice:?}:\n{all}");
            }
        }
    }
}

type Tree = BTreeMap<PathBuf, (bool, Vec<u8>, i64, i64, u32)>;

/// Every file and directory under `root`: kind, bytes, mtime, mode.
fn tree(root: &Path) -> Tree {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let bytes = if m.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                vec![]
            };
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.insert(
                p.strip_prefix(root).unwrap().to_path_buf(),
                (m.is_dir(), bytes, m.mtime(), m.mtime_nsec(), m.mode()),
            );
        }
    }
    out
}

#[test]
fn doctor_changes_no_byte_and_no_mtime() {
    let (base, _log) = provider_server();
    let h = home()
        .env("ANTHROPIC_API_KEY", &k("-ok", 9))
        .env("OPENCLAW_LIVE_ANTHROPIC_KEYS", &k("-r429", 8));
    h.write(
        ".openclaw/openclaw.json",
        r#"{"agents":{"defaults":{"model":"anthropic/claude-sonnet-4-6"},"entries":{"main":{"default":true},"research":{}}},"auth":{"order":{"anthropic":["anthropic:gone"]}}}"#,
    );
    h.store(
        json!({
            "anthropic:manual": tok(NOW_MS - H, "sk-ant-oat01-FAKE-ro-expired-0000000"),
            "anthropic:key": api_key("sk-ant-api03-FAKE-ro-key-000000000000"),
        }),
        Some(json!({"version":1,"usageStats":{"anthropic:key":{"cooldownUntil": NOW_MS + H, "cooldownReason":"rate_limit"}}})),
    );
    h.write(
        ".openclaw/agents/main/agent/auth-profiles.json",
        r#"{"version":1,"profiles":{}}"#,
    );
    h.write(
        ".openclaw/agents/research/agent/openclaw-agent.sqlite",
        "not a db",
    );
    h.write(
        ".openclaw/.env",
        "OPENAI_API_KEY=sk-FAKE-ro-dotenv-000000000\n",
    );
    h.write(
        ".claude/.credentials.json",
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-FAKE-ro-cc","expiresAt":1798231915000}}"#,
    );
    gateway_unit(&h, "EnvironmentFile=-%h/.openclaw/.env");
    h.write(".bashrc", "export XAI_API_KEY=FAKE-ro-bashrc-0000000000\n");
    std::fs::create_dir_all(h.path().join("metrics")).unwrap();
    let cfg = clawwatch_config(
        &h,
        &format!(
            "[alert]\nstate_file = {:?}\n[metrics]\ntextfile = {:?}\nlisten = \"127.0.0.1:0\"\n[doctor]\nbase_urls = {{ anthropic = \"{base}\" }}\n[[alert.webhook]]\nname = \"w\"\n",
            h.path().join("cw-state/alert.json").to_string_lossy(),
            h.path().join("metrics/clawwatch.prom").to_string_lossy(),
        ),
    );
    // Old mtimes, so a touch would show.
    for (p, _) in tree(h.path()) {
        let p = h.path().join(p);
        let f = std::fs::File::options().read(true).open(&p);
        if let Ok(f) = f {
            let _ = f.set_modified(
                std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000),
            );
        }
    }
    let before = tree(h.path());
    for args in [
        vec!["doctor", "--now", NOW_ISO, "--config", &cfg],
        vec!["doctor", "--json", "--now", NOW_ISO, "--config", &cfg],
        vec![
            "doctor",
            "--json",
            "--now",
            NOW_ISO,
            "--config",
            &cfg,
            "--probe",
            "--all-agents",
        ],
        vec!["doctor"],
    ] {
        let o = h.run(&args);
        assert!(matches!(rc(&o), 1 | 2), "{args:?}\n{}", text(&o));
        let after = tree(h.path());
        let created: Vec<&PathBuf> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert!(created.is_empty(), "{args:?} created {created:?}");
        for (p, b) in &before {
            assert_eq!(after.get(p), Some(b), "{args:?} changed {}", p.display());
        }
    }
}

// ------------------------------------------------------------ probe in once/run cycles

/// `once` with `[doctor] probe = true` probes at most once per probe
/// schedule (hourly) however often it runs: the last probe is kept in
/// probe-state.json; its answer is exported between probes.
#[test]
fn once_probes_on_its_own_schedule_and_exports_the_answer() {
    let (base, log) = provider_server();
    let h = home().env("ANTHROPIC_API_KEY", &k("-ok", 7));
    h.config_anthropic();
    let cfg = clawwatch_config(
        &h,
        &format!(
            "[doctor]\nprobe = true\nprobe_schedule = \"0 * * * *\"\nbase_urls = {{ anthropic = \"{base}\" }}\n"
        ),
    );
    let tf = h.path().join("out.prom");
    let once = |now: &str| once_textfile(&h, &cfg, &tf, now);
    let success = "openclaw_auth_probe_success{agent=\"main\",profile=\"ANTHROPIC_API_KEY\",provider=\"anthropic\"} 1";
    // Every five minutes from 10:02 to 10:57: one probe, at 10:02.
    for m in (2..60).step_by(5) {
        let prom = once(&format!("2026-11-25T10:{m:02}:00Z"));
        assert!(prom.contains(success), "{prom}");
        assert!(
            prom.contains("openclaw_auth_probe_last_timestamp_seconds 1795600920"),
            "{prom}"
        );
    }
    assert_eq!(log.lock().unwrap().len(), 1);
    // 11:00 is the next fire time of the probe schedule.
    let prom = once("2026-11-25T11:00:00Z");
    assert!(
        prom.contains("openclaw_auth_probe_last_timestamp_seconds 1795604400"),
        "{prom}"
    );
    assert_eq!(log.lock().unwrap().len(), 2);
    // The state file holds no key, only labels and masked forms.
    let state =
        std::fs::read_to_string(h.path().join(".local/state/clawwatch/probe-state.json")).unwrap();
    assert!(
        !state.contains(&k("-ok", 7)) && !state.contains(&k("-ok", 7)[..16]),
        "{state}"
    );
    // Without [doctor] probe, once never probes.
    let plain = clawwatch_config(&h, "");
    let o = h.run(&["once", "--config", &plain, "--now", "2026-11-25T12:00:00Z"]);
    assert_eq!(rc(&o), 0);
    assert_eq!(log.lock().unwrap().len(), 2);
}

/// A finding fixed between two `once` runs is written to the textfile at 0,
/// as `run`'s /metrics keeps it, not dropped: the state file remembers what
/// earlier runs saw.
#[test]
fn once_keeps_a_fixed_finding_at_zero_in_the_textfile() {
    let h = healthy();
    let cfg = clawwatch_config(&h, "");
    let tf = h.path().join("out.prom");
    let once = |now: &str| once_textfile(&h, &cfg, &tf, now);
    let series = |v: u8| {
        format!(
            "openclaw_doctor_finding{{agent=\"\",id=\"credential-file-permissions\",severity=\"warning\"}} {v}"
        )
    };
    let db = h.oc().join("state/openclaw.sqlite");
    let prom = once("2026-11-25T10:00:00Z");
    assert!(!prom.contains("credential-file-permissions"), "{prom}");
    chmod(&db, 0o644);
    let prom = once("2026-11-25T10:05:00Z");
    assert!(prom.contains(&series(1)), "{prom}");
    chmod(&db, 0o600);
    let prom = once("2026-11-25T10:10:00Z");
    assert!(prom.contains(&series(0)), "{prom}");
    assert!(
        prom.contains("openclaw_doctor_findings{severity=\"warning\"} 0"),
        "{prom}"
    );
    // Still 0 six days later; forgotten after a week.
    assert!(once("2026-12-01T10:00:00Z").contains(&series(0)));
    assert!(!once("2026-12-02T10:10:00Z").contains("credential-file-permissions"));
}
