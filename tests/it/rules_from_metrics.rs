//! contrib/prometheus/alerts.test.yml's input series come from the binary:
//! each test group is named after a state, and its `input_series` must be
//! exactly what `clawwatch once` exports on a home in that state (the
//! series the rules read, with the labels a scrape adds), so the rule tests
//! cannot drift from the exporter again. `CLAWWATCH_BLESS=1` rewrites them;
//! the `alert_rule_test` parts (one case per rule) are written by hand.
//!
//! Time: promtool starts at 0, so the capture instant (NOW) is time 0:
//! expiry timestamps are exported values minus NOW; the last-run
//! timestamps advance 60 s per minute as a running daemon's do (or stand
//! still, for the stale cases).

use crate::common::{self, D, H, Home, NOW_ISO, NOW_MS};
use crate::support::HttpSink;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const TEST_FILE: &str = "contrib/prometheus/alerts.test.yml";
const INSTANCE: &str = "host-a:9847";
/// Samples per series (interval 1m).
const SAMPLES: u32 = 30;

/// How the cycle timestamps move over the test.
#[derive(Clone, Copy, PartialEq)]
enum Cycles {
    /// Every cycle runs and succeeds.
    Running,
    /// No cycle after the capture.
    Stopped,
    /// Cycles run, none succeeds.
    Failing,
}

struct Case {
    name: &'static str,
    home: Home,
    config: String,
    cycles: Cycles,
    /// Families left out (relabeled away at the scrape).
    dropped: &'static [&'static str],
    /// `up` of the target.
    up: u8,
    /// Keep the probe server alive while the binary runs.
    _server: Option<HttpSink>,
}

fn token_home(left_ms: i64) -> Home {
    let h = Home::new();
    h.config_anthropic();
    crate::support::set_token(&h, "anthropic:manual", NOW_MS + left_ms);
    common::chmod_private(h.path());
    h
}

fn case(name: &'static str, home: Home) -> Case {
    Case {
        name,
        home,
        config: String::new(),
        cycles: Cycles::Running,
        dropped: &[],
        up: 1,
        _server: None,
    }
}

fn cases() -> Vec<Case> {
    let missing = Home::new();
    missing.config_anthropic();
    common::chmod_private(missing.path());
    let doctor = Home::new().env(
        "ANTHROPIC_API_KEY",
        "sk-ant-oat01-FAKE-in-the-wrong-var-000000",
    );
    doctor.config_anthropic();
    common::chmod_private(doctor.path());
    let unreadable = token_home(30 * D);
    unreadable.write(
        ".openclaw/agents/main/agent/auth-profiles.json",
        "{ not json",
    );
    common::chmod_private(unreadable.path());
    let probe = Home::new().env(
        "ANTHROPIC_API_KEY",
        "sk-ant-api03-FAKE-revoked-0000000000000",
    );
    probe.config_anthropic();
    common::chmod_private(probe.path());
    let server = HttpSink::start();
    server.respond_with(&[401; 8]);
    let probe_cfg = format!(
        "[doctor]\nprobe = true\nbase_urls = {{ anthropic = \"{}\" }}\n",
        server.url
    );
    vec![
        case("ok", token_home(30 * D)),
        case("expiring-3d", token_home(3 * D)),
        case("expiring-1h", token_home(H)),
        case("expired", token_home(-H)),
        case("missing", missing),
        case("doctor-error", doctor),
        case("source-errors", unreadable),
        Case {
            cycles: Cycles::Stopped,
            ..case("stale", token_home(30 * D))
        },
        Case {
            cycles: Cycles::Failing,
            ..case("cycles-failing", token_home(30 * D))
        },
        Case {
            dropped: &["openclaw_auth_credential_", "openclaw_auth_agent_status"],
            ..case("check-failing", token_home(-H))
        },
        Case {
            up: 0,
            cycles: Cycles::Stopped,
            ..case("absent", token_home(30 * D))
        },
        Case {
            config: probe_cfg,
            _server: Some(server),
            ..case("probe-failing", probe)
        },
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Metric names alerts.yml reads.
fn rule_metrics() -> BTreeSet<String> {
    let rules = std::fs::read_to_string(root().join("contrib/prometheus/alerts.yml")).unwrap();
    rules
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("openclaw_") || w.starts_with("clawwatch_"))
        .map(str::to_string)
        .collect()
}

/// What `clawwatch once` exports for the case (its textfile: the /metrics
/// renderer, written once).
fn exposition(c: &Case) -> String {
    let cfg = c.home.write("cw/clawwatch.toml", &c.config);
    let tf = c.home.path().join("out.prom");
    let o = c.home.run(&[
        "once",
        "--config",
        &cfg.to_string_lossy(),
        "--now",
        NOW_ISO,
        "--textfile",
        &tf.to_string_lossy(),
    ]);
    assert!(
        matches!(common::rc(&o), 0..=2),
        "{}: {}",
        c.name,
        common::text(&o)
    );
    std::fs::read_to_string(&tf).unwrap_or_else(|e| panic!("{}: textfile: {e}", c.name))
}

/// (name, labels inside the braces, value) of each sample.
fn samples(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            Some((name.to_string(), labels.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn values(c: &Case, name: &str, v: f64) -> String {
    let now_s = (NOW_MS / 1000) as f64;
    let n = SAMPLES;
    let cycle_stamp = name.ends_with("_last_run_timestamp_seconds")
        || name.ends_with("_last_success_timestamp_seconds");
    if cycle_stamp {
        let moving = match c.cycles {
            Cycles::Running => true,
            Cycles::Stopped => false,
            Cycles::Failing => name.ends_with("_last_run_timestamp_seconds"),
        };
        return if moving {
            format!("0+60x{n}")
        } else {
            format!("0x{n}")
        };
    }
    if name.ends_with("_timestamp_seconds") {
        return format!("{}x{n}", v - now_s);
    }
    format!("{v}x{n}")
}

/// The input_series block of a case.
fn input_series(c: &Case) -> String {
    let wanted = rule_metrics();
    let text = exposition(c);
    let mut out = String::new();
    let mut push = |series: String, values: String| {
        out.push_str(&format!(
            "      - series: '{series}'\n        values: '{values}'\n"
        ));
    };
    let scrape = format!("job=\"clawwatch\",instance=\"{INSTANCE}\"");
    if c.up == 1 {
        for (name, labels, v) in samples(&text) {
            if !wanted.contains(&name) || c.dropped.iter().any(|d| name.starts_with(d)) {
                continue;
            }
            let labels = if labels.is_empty() {
                scrape.clone()
            } else {
                format!("{scrape},{labels}")
            };
            push(format!("{name}{{{labels}}}"), values(c, &name, v));
        }
    }
    push(format!("up{{{scrape}}}"), format!("{}x{SAMPLES}", c.up));
    out
}

/// The file with each group's input series replaced by `series(name)`;
/// the names of the groups found.
fn with_series(file: &str, series: impl Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut names = vec![];
    let mut skipping = false;
    for line in file.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("  - name: ") {
            names.push(name.trim().to_string());
        }
        if line.trim_end() == "    input_series:" {
            out.push_str(line);
            let name = names.last().cloned().unwrap_or_default();
            out.push_str(&series(&name).unwrap_or_else(|| panic!("no state home named {name:?}")));
            skipping = true;
            continue;
        }
        if skipping && line.trim_end() == "    alert_rule_test:" {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
        }
    }
    (out, names)
}

#[test]
fn rule_test_series_are_what_the_binary_exports() {
    let cases = cases();
    let path = root().join(TEST_FILE);
    let before = std::fs::read_to_string(&path).unwrap();
    let generated: Vec<(&str, String)> = cases.iter().map(|c| (c.name, input_series(c))).collect();
    let (after, names) = with_series(&before, |name| {
        generated
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.clone())
    });
    let case_names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(
        names, case_names,
        "{TEST_FILE}: one group per state home, in order"
    );
    if std::env::var_os("CLAWWATCH_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &after).unwrap();
        return;
    }
    for (i, (a, b)) in after.lines().zip(before.lines()).enumerate() {
        assert_eq!(
            a,
            b,
            "{TEST_FILE} line {}: not what the binary exports (CLAWWATCH_BLESS=1 rewrites the input series)",
            i + 1
        );
    }
    assert_eq!(after.lines().count(), before.lines().count(), "{TEST_FILE}");
}

/// One case per rule, and promtool passes them.
#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn promtool_passes_the_rule_tests() {
    let tests = std::fs::read_to_string(root().join(TEST_FILE)).unwrap();
    let rules = std::fs::read_to_string(root().join("contrib/prometheus/alerts.yml")).unwrap();
    for name in rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
    {
        let fires = tests.split("alertname: ").skip(1).any(|chunk| {
            chunk.starts_with(&format!("{name}\n")) && chunk.contains("exp_alerts:\n          - ")
        });
        assert!(fires, "{TEST_FILE}: no case where {name} fires");
    }
    let works = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    common::require(works, "promtool (Debian package prometheus)");
    let out = Command::new("promtool")
        .args(["test", "rules", TEST_FILE])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
