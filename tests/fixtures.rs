//! The built binary against every recorded OpenClaw home: the real CLI's
//! `models status --check` exit code must be reproduced exactly.
//! - tests/fixtures/hand: 29 hand-made homes with the real CLI's verdicts;
//! - tests/fixtures/oracle: more homes recorded with the real CLI
//!   (tests/oracle/gen_cases.py);
//! - tests/fixtures/migrated: homes as the real CLI left them, its state DB
//!   migrated to WAL mode by OpenClaw's own SQLite (tests/oracle/migrated.sh).

mod common;
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
    let read = |f: &str| -> serde_json::Value {
        let p = dir.join(f);
        serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let expected = read("expected.json")["rc"].as_i64().expect("rc") as i32;
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
    Case {
        name: dir.file_name().unwrap_or_default().to_string_lossy().into(),
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
