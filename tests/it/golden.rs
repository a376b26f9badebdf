//! Byte-identical outputs across refactors: every recorded home's `check`,
//! `status` (table, JSON, simple), `doctor` (text, JSON) and `once`
//! textfile (the /metrics text) against goldens recorded before the change
//! (tests/golden/<set>/<case>.txt), and the served /metrics in both formats
//! on a home whose states do not depend on the clock.
//!
//! Re-record (only when an output is meant to change, and say why in the
//! commit): `CLAWWATCH_BLESS=1 cargo test --test golden`.

use crate::common;
use crate::common::daemon;

use common::*;
use std::path::{Path, PathBuf};

const SETS: [&str; 3] = ["hand", "oracle", "migrated"];

fn bless() -> bool {
    std::env::var_os("CLAWWATCH_BLESS").is_some()
}

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Lines whose value is a clock reading or a measured time (or, for the
/// `process_` families, a reading of /proc at the scrape).
const VOLATILE: [&str; 4] = [
    "openclaw_auth_check_last_run_timestamp_seconds",
    "openclaw_auth_check_last_success_timestamp_seconds",
    "openclaw_auth_check_duration_seconds",
    "process_",
];

/// The build's git commit in `clawwatch_build_info`, which every commit
/// changes.
fn mask_revision(text: &str) -> String {
    let key = "revision=\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str("@REV@");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn mask(text: &str, home: &Path) -> String {
    let text = mask_revision(&text.replace(&*home.to_string_lossy(), "@HOME@"));
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if let Some(rest) = log_line(line) {
            out.push_str(&rest);
            continue;
        }
        match VOLATILE.iter().find(|v| line.starts_with(*v)) {
            Some(v) => {
                let labels_end = line.rfind(' ').unwrap_or(line.len());
                out.push_str(&line[..labels_end]);
                out.push_str(if v.ends_with("seconds") {
                    " @T@\n"
                } else {
                    "\n"
                });
            }
            None => out.push_str(line),
        }
    }
    out
}

/// A log line (`<RFC 3339>  WARN clawwatch::module: text`) without its
/// clock reading and module path, which are no output of the program's.
fn log_line(line: &str) -> Option<String> {
    let (stamp, rest) = line.split_once(' ')?;
    if stamp.len() < 20 || !stamp.ends_with('Z') || !stamp.starts_with("20") {
        return None;
    }
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ')?;
    let (_target, text) = rest.split_once(": ")?;
    Some(format!("@LOG@ {level} {text}"))
}

/// A recorded home in a fresh private temp HOME, with its env and instant.
fn fixture_home(dir: &Path) -> (Home, String) {
    let fixture: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("fixture.json")).expect("fixture.json"))
            .expect("fixture.json is JSON");
    let now = fixture["generated_at_iso"]
        .as_str()
        .expect("generated_at_iso")
        .to_string();
    let mut h = Home::new();
    if dir.join("home").is_dir() {
        copy_tree(&dir.join("home"), h.path());
    }
    chmod_private(h.path());
    if let Ok(env) = std::fs::read_to_string(dir.join("env")) {
        for line in env.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (k, v) = line.split_once('=').expect("KEY=VALUE");
            let v = v.replace("@HOME@", &h.path().to_string_lossy());
            h = h.env(k, &v);
        }
    }
    (h, now)
}

/// Every output of one home, masked, as one text.
fn outputs(dir: &Path) -> String {
    let (h, now) = fixture_home(dir);
    let textfile = h.path().join("metrics.prom");
    let textfile_arg = textfile.to_string_lossy().into_owned();
    let commands: [Vec<&str>; 7] = [
        vec!["check", "--now", &now],
        vec!["status", "--now", &now],
        vec!["status", "--json", "--now", &now],
        vec!["status", "--format", "simple", "--now", &now],
        vec!["doctor", "--now", &now],
        vec!["doctor", "--json", "--now", &now],
        vec!["once", "--now", &now, "--textfile", &textfile_arg],
    ];
    let mut all = String::new();
    for args in &commands {
        let o = h.run(args);
        let shown: Vec<&str> = args
            .iter()
            .map(|a| if *a == now { "NOW" } else { a })
            .collect();
        all.push_str(&format!(
            "=== {} (exit {})\n--- stdout\n{}--- stderr\n{}",
            shown.join(" ").replace(&textfile_arg, "TEXTFILE"),
            rc(&o),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    all.push_str("=== textfile\n");
    all.push_str(&std::fs::read_to_string(&textfile).unwrap_or_default());
    mask(&all, h.path())
}

fn compare(name: &str, got: &str, golden: &Path) -> Option<String> {
    if bless() {
        std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir golden");
        std::fs::write(golden, got).expect("write golden");
        return None;
    }
    let want = std::fs::read_to_string(golden).unwrap_or_default();
    if want == got {
        return None;
    }
    let (n, w, g) = want
        .lines()
        .zip(got.lines())
        .enumerate()
        .find(|(_, (w, g))| w != g)
        .map(|(i, (w, g))| (i + 1, w.to_string(), g.to_string()))
        .unwrap_or((0, "(length differs)".into(), String::new()));
    Some(format!(
        "{name}: differs from {} at line {n}:\n  want: {w}\n  got:  {g}",
        golden.display()
    ))
}

#[test]
fn every_recorded_home_gives_the_golden_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut bad = Vec::new();
    let mut n = 0;
    for set in SETS {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join(set))
            .expect("fixture set")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("fixture.json").is_file())
            .collect();
        dirs.sort();
        for dir in dirs {
            let case = dir.file_name().unwrap_or_default().to_string_lossy();
            let golden = golden_root().join(set).join(format!("{case}.txt"));
            n += 1;
            bad.extend(compare(&format!("{set}/{case}"), &outputs(&dir), &golden));
        }
    }
    assert!(n >= 130, "only {n} recorded homes found");
    assert!(
        bad.is_empty(),
        "{} of {n} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// A home whose states hold at any clock reading: a token expired in 2020,
/// one valid until 2099, an API key in the env.
fn timeless_home() -> Home {
    let h = Home::new().env("OPENAI_API_KEY", "sk-FAKE-golden-openai-key-0000000000");
    h.config_anthropic();
    h.store(
        serde_json::json!({
            "anthropic:old": tok(1_600_000_000_000, "sk-ant-oat01-FAKE-golden-old-000000000000"),
            "anthropic:new": tok(4_070_908_800_000, "sk-ant-oat01-FAKE-golden-new-000000000000"),
            "anthropic:key": {"type": "api_key", "provider": "anthropic", "key": "sk-ant-api03-FAKE-golden-key-00000000"},
        }),
        None,
    );
    chmod_private(h.path());
    h
}

#[test]
fn served_metrics_in_both_formats_are_the_golden_ones() {
    let h = timeless_home();
    let d = daemon::Daemon::start(&h, "[check]\nschedule = \"0 0 1 1 *\"\n");
    d.after_runs(1.0);
    let mut bad = Vec::new();
    for (file, accept) in [
        ("metrics.txt", None),
        (
            "metrics.openmetrics.txt",
            Some("application/openmetrics-text; version=1.0.0"),
        ),
    ] {
        let (status, body) = daemon::http_get(d.port, "/metrics", accept).expect("scrape");
        assert_eq!(status, 200);
        let got = mask(&body, h.path());
        bad.extend(compare(
            file,
            &got,
            &golden_root().join("served").join(file),
        ));
    }
    d.terminate();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
