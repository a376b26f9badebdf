//! The shipped Prometheus rules, their unit tests, the scrape example and the
//! Grafana dashboard: promtool must accept them, and every metric they name
//! must be one docs/metrics.md lists.
//!
//! promtool comes from Debian's `prometheus` package (or `PROMTOOL=/path`).
//! Without it these tests are ignored, except under CI=true where they fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The promtool to run (`PROMTOOL`, else `promtool` on PATH); a test
/// that calls this is ignored where promtool is absent (build.rs).
fn promtool() -> Option<PathBuf> {
    let tool = std::env::var_os("PROMTOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("promtool"));
    let works = Command::new(&tool)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    crate::common::require(works, "promtool (Debian package prometheus)");
    Some(tool)
}

/// Run promtool with `args`, from the crate root; panic with its output on failure.
fn run_promtool(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("run {} {args:?}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool {args:?} failed ({}):\n{text}",
        out.status
    );
    text
}

fn path_arg(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn promtool_check_rules_accepts_alerts() {
    let Some(tool) = promtool() else { return };
    let out = run_promtool(
        &tool,
        &["check", "rules", &path_arg("contrib/prometheus/alerts.yml")],
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn promtool_unit_tests_pass() {
    let Some(tool) = promtool() else { return };
    let out = run_promtool(
        &tool,
        &[
            "test",
            "rules",
            &path_arg("contrib/prometheus/alerts.test.yml"),
        ],
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn promtool_check_config_accepts_scrape_example() {
    let Some(tool) = promtool() else { return };
    let out = run_promtool(
        &tool,
        &[
            "check",
            "config",
            &path_arg("contrib/prometheus/prometheus.yml"),
        ],
    );
    // check config also loads the rule files it names.
    assert!(out.contains("1 rule files found"), "{out}");
}

/// Every alert rule has a test case, a severity and both annotations.
#[test]
fn every_alert_has_severity_annotations_and_a_test() {
    let rules = read("contrib/prometheus/alerts.yml");
    let tests = read("contrib/prometheus/alerts.test.yml");
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .map(str::trim)
        .collect();
    assert!(alerts.len() >= 9, "too few alerts: {alerts:?}");
    for name in [
        "OpenClawCredentialExpiringSoon",
        "OpenClawCredentialExpiringCritical",
        "OpenClawCredentialExpiredOrMissing",
        "OpenClawAuthCheckFailing",
        "ClawwatchStale",
        "ClawwatchAbsent",
        "ClawwatchSourceErrors",
        "OpenClawDoctorError",
        "OpenClawAuthProbeFailing",
    ] {
        assert!(alerts.contains(&name), "alerts.yml lacks {name}");
    }
    // Split the file into one chunk per rule and look inside each.
    let chunks: Vec<&str> = rules.split("- alert: ").skip(1).collect();
    assert_eq!(chunks.len(), alerts.len());
    for (name, chunk) in alerts.iter().zip(&chunks) {
        assert!(
            chunk.contains("severity: warning") || chunk.contains("severity: critical"),
            "{name}: no severity warning|critical"
        );
        assert!(chunk.contains("summary:"), "{name}: no summary");
        assert!(chunk.contains("description:"), "{name}: no description");
        let tested = tests
            .lines()
            .any(|l| l.trim() == format!("alertname: {name}"));
        assert!(tested, "alerts.test.yml has no case for {name}");
    }
}

fn dashboard() -> serde_json::Value {
    serde_json::from_str(&read("contrib/grafana/clawwatch-dashboard.json"))
        .expect("dashboard is valid JSON")
}

/// Panels, including those nested in collapsed rows.
fn all_panels(dash: &serde_json::Value) -> Vec<&serde_json::Value> {
    fn walk<'a>(panels: &'a [serde_json::Value], out: &mut Vec<&'a serde_json::Value>) {
        for p in panels {
            out.push(p);
            if let Some(nested) = p["panels"].as_array() {
                walk(nested, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        dash["panels"].as_array().expect("dashboard has panels"),
        &mut out,
    );
    out
}

fn dashboard_exprs(dash: &serde_json::Value) -> Vec<String> {
    all_panels(dash)
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn dashboard_is_an_importable_grafana_dashboard() {
    let dash = dashboard();
    assert!(dash["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dash["schemaVersion"].as_u64().is_some_and(|v| v >= 36));
    let inputs = dash["__inputs"].as_array().expect("__inputs");
    assert!(
        inputs
            .iter()
            .any(|i| i["name"] == "DS_PROMETHEUS" && i["pluginId"] == "prometheus"),
        "no DS_PROMETHEUS input"
    );

    let panels = all_panels(&dash);
    let data_panels: Vec<_> = panels.iter().filter(|p| p["type"] != "row").collect();
    assert!(data_panels.len() >= 6, "too few panels");
    let mut ids = BTreeSet::new();
    for p in &panels {
        let id = p["id"].as_u64().expect("panel id");
        assert!(ids.insert(id), "duplicate panel id {id}");
        assert!(p["gridPos"]["w"].as_u64().is_some(), "panel {id}: gridPos");
    }
    for p in &data_panels {
        let title = p["title"].as_str().unwrap_or("?");
        assert_eq!(p["datasource"]["uid"], "${DS_PROMETHEUS}", "{title}");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no queries");
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${DS_PROMETHEUS}", "{title}");
            assert!(t["expr"].as_str().is_some_and(|e| !e.is_empty()), "{title}");
        }
    }

    // What the dashboard must show.
    let types: Vec<&str> = data_panels
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    assert!(types.contains(&"table") && types.contains(&"stat"));
    let exprs = dashboard_exprs(&dash).join("\n");
    for needle in [
        "openclaw_auth_credential_expiry_timestamp_seconds",
        "- time()",
        "openclaw_auth_credential_state",
        "openclaw_auth_check_status",
        "openclaw_auth_check_last_run_timestamp_seconds",
        "openclaw_auth_source_errors_total",
        "clawwatch_alerts_sent_total",
    ] {
        assert!(exprs.contains(needle), "no dashboard query uses {needle}");
    }
}

/// The dashboard's queries are valid PromQL (checked as recording rules, with
/// the template variables replaced by match-all regexes).
#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn dashboard_queries_parse() {
    let Some(tool) = promtool() else { return };
    let dash = dashboard();
    let mut yaml = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, expr) in dashboard_exprs(&dash).iter().enumerate() {
        let expr = expr
            .replace("$job", ".*")
            .replace("$instance", ".*")
            .replace("$agent", ".*");
        let quoted = serde_json::to_string(&expr).expect("quote"); // JSON strings are YAML scalars
        yaml.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {quoted}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("dashboard-queries.yml");
    std::fs::write(&file, yaml).expect("write rules");
    let out = run_promtool(&tool, &["check", "rules", &file.to_string_lossy()]);
    assert!(out.contains("SUCCESS"), "{out}");
}

/// Metric-looking names (`openclaw_…`, `clawwatch_…`) in a text.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("openclaw_") || w.starts_with("clawwatch_"))
        .map(str::to_string)
        .collect()
}

/// A typo in a metric name makes a rule silently never fire (and its test
/// input silently irrelevant): every name used must be in docs/metrics.md.
#[test]
fn every_metric_used_is_documented() {
    let documented = metric_names(&read("docs/metrics.md"));
    assert!(documented.contains("openclaw_auth_credential_expiry_timestamp_seconds"));
    let dash = dashboard();
    for (what, text) in [
        ("alerts.yml", read("contrib/prometheus/alerts.yml")),
        (
            "alerts.test.yml",
            read("contrib/prometheus/alerts.test.yml"),
        ),
        ("dashboard", dashboard_exprs(&dash).join("\n")),
    ] {
        let used = metric_names(&text);
        assert!(!used.is_empty(), "{what}: no metric names found");
        let unknown: Vec<_> = used.difference(&documented).collect();
        assert!(
            unknown.is_empty(),
            "{what} uses names not in docs/metrics.md: {unknown:?}"
        );
    }
}
