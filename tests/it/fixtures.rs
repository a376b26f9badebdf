//! The built binary against every recorded OpenClaw home: the real CLI's
//! `models status --check` exit code must be reproduced exactly.
//! - tests/fixtures/hand: 29 hand-made homes with the real CLI's verdicts;
//! - tests/fixtures/oracle: more homes recorded with the real CLI
//!   (tests/oracle/gen_cases.py);
//! - tests/fixtures/migrated: homes as the real CLI left them, its state DB
//!   migrated to WAL mode by OpenClaw's own SQLite (tests/oracle/migrated.sh);
//! - tests/fixtures/cli: homes built from an empty HOME by the real CLI's own
//!   commands (tests/oracle/gen_cli_homes.py), with the verdict for the
//!   default agent and for every `--agent`.

use crate::common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    name: String,
    expected: i32,
    got: i32,
    output: String,
}

fn run_fixture(dir: &Path) -> Case {
    run_fixture_for(dir, None)
}

/// `clawwatch check` on a copy of the fixture's home, for `agent` (None:
/// the default agent); the recorded rc is the expected one.
fn run_fixture_for(dir: &Path, agent: Option<&str>) -> Case {
    let read = |f: &str| -> serde_json::Value {
        let p = dir.join(f);
        serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let recorded = read("expected.json");
    let expected = match agent {
        None => recorded["rc"].as_i64(),
        Some(a) => recorded["agents"][a].as_i64(),
    }
    .expect("a recorded rc") as i32;
    let now = read("fixture.json")["generated_at_iso"]
        .as_str()
        .expect("generated_at_iso")
        .to_string();
    let home = tempfile::tempdir().expect("temp home");
    if dir.join("home").is_dir() {
        copy_tree(&dir.join("home"), home.path());
    }
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("TZ", "UTC")
        .current_dir(home.path())
        .args(["check", "--now", &now]);
    if let Some(a) = agent {
        cmd.args(["--agent", a]);
    }
    if let Ok(env) = std::fs::read_to_string(dir.join("env")) {
        for line in env.lines() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').expect("KEY=VALUE");
            cmd.env(k, v.replace("@HOME@", &home.path().to_string_lossy()));
        }
    }
    let out = cmd.output().expect("run clawwatch");
    let case = dir.file_name().unwrap_or_default().to_string_lossy();
    Case {
        name: match agent {
            None => case.into_owned(),
            Some(a) => format!("{case} --agent {a}"),
        },
        expected,
        got: rc(&out),
        output: text(&out),
    }
}

fn fixture_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("expected.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn check_all(root: &Path, at_least: usize) {
    let dirs = fixture_dirs(root);
    assert!(
        dirs.len() >= at_least,
        "{}: expected at least {at_least} fixtures, found {}",
        root.display(),
        dirs.len()
    );
    let cases: Vec<Case> = dirs.iter().map(|d| run_fixture(d)).collect();
    let bad: Vec<String> = cases
        .iter()
        .filter(|c| c.got != c.expected)
        .map(|c| {
            format!(
                "{}: OpenClaw exits {}, clawwatch {}\n{}",
                c.name, c.expected, c.got, c.output
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} disagree:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
    eprintln!("{}: all {} agree", root.display(), cases.len());
}

#[test]
fn shared_fixtures_all_agree_with_the_real_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand");
    check_all(&root, 29);
}

#[test]
fn oracle_fixtures_all_agree_with_the_real_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oracle");
    check_all(&root, 1);
}

#[test]
fn migrated_fixtures_all_agree_with_the_real_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrated");
    check_all(&root, 7);
}

/// Every case's recorded agents (`expected.json` `agents`).
fn recorded_agents(dir: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json"))
            .expect("JSON");
    v["agents"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn cli_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli")
}

/// The default agent and every `--agent` of these cases agree with the CLI.
fn check_cli_cases(names: &[&str]) {
    let dirs: Vec<PathBuf> = fixture_dirs(&cli_root())
        .into_iter()
        .filter(|d| names.is_empty() || names.iter().any(|n| d.ends_with(n)))
        .collect();
    assert!(
        !dirs.is_empty() && (names.is_empty() || dirs.len() == names.len()),
        "cases {names:?}"
    );
    let mut bad = Vec::new();
    let mut n = 0;
    for d in &dirs {
        let agents = recorded_agents(d);
        let targets = std::iter::once(None).chain(agents.iter().map(|a| Some(a.as_str())));
        for t in targets {
            n += 1;
            let c = run_fixture_for(d, t);
            if c.got != c.expected {
                bad.push(format!(
                    "{}: OpenClaw exits {}, clawwatch {}\n{}",
                    c.name, c.expected, c.got, c.output
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {n} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn cli_built_homes_agree_for_every_agent() {
    assert!(fixture_dirs(&cli_root()).len() >= 30);
    check_cli_cases(&[]);
}

/// Issue 19: `agents add --model M` stores a string, and OpenClaw gives
/// that agent no fallbacks (the defaults' openrouter fallback, which has
/// no credential, does not count for `--agent writer`): 0, not 1. The same
/// for `{primary}` without `fallbacks`; `{fallbacks}` alone keeps the
/// defaults' primary with those fallbacks.
#[test]
fn an_agent_model_that_names_its_primary_has_only_its_own_fallbacks() {
    let config = |case: &str| -> serde_json::Value {
        let p = cli_root().join(case).join("home/.openclaw/openclaw.json");
        json5::from_str(&std::fs::read_to_string(p).expect("config")).expect("JSON5")
    };
    let writer = |case: &str| config(case)["agents"]["entries"]["writer"]["model"].clone();
    assert!(writer("h01-writer-string-model-no-fallbacks").is_string());
    let object = writer("h02-writer-object-primary-only");
    assert!(object["primary"].is_string() && object.get("fallbacks").is_none());
    check_cli_cases(&[
        "h01-writer-string-model-no-fallbacks",
        "h02-writer-object-primary-only",
        "h03-writer-object-explicit-fallbacks",
        "h04-writer-object-empty-fallbacks",
        "h05-writer-object-fallbacks-only",
        "h06-writer-no-model-inherits",
        "h11-main-own-string-model",
    ]);
}

/// Image models are never per agent: an agent's string text model keeps
/// the defaults' image fallbacks; `{primary}` or a string image model has
/// none.
#[test]
fn image_models_follow_the_defaults_for_every_agent() {
    check_cli_cases(&[
        "h07-string-agent-keeps-image-fallbacks",
        "h08-image-object-primary-only",
        "h09-image-string-model",
        "h10-image-primary-object-missing-google",
    ]);
}

/// `paste-token` writes `auth.order.<provider>` when the provider already
/// has a profile of another type; the explicit order then turns the env
/// key fallback off (h14: an expired token first is 1 with an env key set;
/// h15, the same token without an order, is 0).
#[test]
fn paste_token_writes_an_auth_order_that_turns_off_the_env_key() {
    let cfg: serde_json::Value = json5::from_str(
        &std::fs::read_to_string(
            cli_root()
                .join("h16-paste-token-order-token-first-expiring/home/.openclaw/openclaw.json"),
        )
        .expect("config"),
    )
    .expect("JSON5");
    assert!(cfg["auth"]["order"]["anthropic"].is_array(), "{cfg}");
    check_cli_cases(&[
        "h14-paste-token-writes-config-order",
        "h15-token-expired-env-key-no-order",
        "h16-paste-token-order-token-first-expiring",
    ]);
}

/// A second agent's `paste-token` with the default profile id sets the
/// global `auth.profiles` mode to token, which makes main's stored API key
/// ineligible (mode mismatch) unless an env key covers it.
#[test]
fn a_second_agents_default_id_token_changes_the_global_mode() {
    check_cli_cases(&[
        "h17-second-agent-paste-token-default-id",
        "h18-second-agent-paste-token-default-id-env-key",
        "h19-second-agent-paste-token-own-id",
    ]);
}

/// `models auth order set` for main writes the order into
/// `agents/main/agent/openclaw-agent.sqlite` while the credentials stay in
/// `state/openclaw.sqlite`; the agent DB's order wins.
#[test]
fn order_set_for_main_writes_the_agent_db_beside_the_state_db() {
    let home = cli_root().join("h20-order-set-main-writes-agent-db/home/.openclaw");
    assert!(
        home.join("agents/main/agent/openclaw-agent.sqlite")
            .is_file()
    );
    assert!(home.join("state/openclaw.sqlite").is_file());
    check_cli_cases(&[
        "h20-order-set-main-writes-agent-db",
        "h21-order-set-main-token-first",
        "h22-order-set-main-expired-only-env-key",
        "h23-order-set-writer-agent",
    ]);
}

/// `status --json` names the credential an openai text route's auth would
/// use, as OpenClaw's JSON does, while the codex runtime is unavailable.
#[test]
fn a_codex_route_names_the_profile_its_auth_would_use() {
    let dir = cli_root().join("h12-openai-default-key-profile");
    let now: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("fixture.json")).expect("fixture"))
            .expect("JSON");
    let h = tempfile::tempdir().expect("home");
    copy_tree(&dir.join("home"), h.path());
    let out = Command::new(bin())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", h.path())
        .args([
            "status",
            "--json",
            "--now",
            now["generated_at_iso"].as_str().expect("iso"),
        ])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let text = &v["agents"][0]["routes"][0];
    assert_eq!(text["health"], "unavailable", "{text}");
    assert_eq!(text["selected"], "openai:key", "{text}");
}
