//! Prometheus metrics from a [`Report`] (names in docs/metrics.md).
//!
//! Long-lived counters (cycles, failures, source errors, alert deliveries)
//! live in one registry; the per-credential gauges are rebuilt from each
//! report, so a credential that disappears loses its series while an
//! expired one keeps its state set. Each cycle renders both exposition
//! formats once; a scrape only copies the rendered text (it never reads the
//! disk).

use crate::model::{CredState, CredentialReport, Report};
use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{
    Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

const CRED_LABELS: [&str; 5] = ["agent", "provider", "profile", "type", "source"];

/// Both exposition formats of one moment.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub text: String,
    pub openmetrics: String,
}

pub struct Metrics {
    registry: Registry,
    alert_metrics: std::sync::OnceLock<Option<crate::alert::metrics::AlertMetrics>>,
    doctor_metrics: std::sync::OnceLock<Option<super::doctor_metrics::DoctorMetrics>>,
    runs: IntCounter,
    failures: IntCounter,
    skipped: IntCounter,
    source_errors: IntCounterVec,
    last_run: Gauge,
    last_success: Gauge,
    duration: Gauge,
}

fn must<T>(r: prometheus::Result<T>) -> T {
    // Only fails on invalid names or duplicate registration: programming
    // errors caught by the tests, never caused by input.
    r.unwrap_or_else(|e| panic!("metric definition: {e}"))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| {
            let c = must(IntCounter::new(name, help));
            must(registry.register(Box::new(c.clone())));
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = must(Gauge::new(name, help));
            must(registry.register(Box::new(g.clone())));
            g
        };
        let runs = counter("openclaw_auth_check_runs_total", "Check cycles run.");
        let failures = counter(
            "openclaw_auth_check_failures_total",
            "Check cycles that failed (logged; the daemon goes on).",
        );
        let skipped = counter(
            "openclaw_auth_check_skipped_total",
            "Scheduled ticks skipped because the previous cycle was still running.",
        );
        let source_errors = must(IntCounterVec::new(
            Opts::new(
                "openclaw_auth_source_errors_total",
                "Read problems per credential source module.",
            ),
            &["source", "reason"],
        ));
        must(registry.register(Box::new(source_errors.clone())));
        let last_run = gauge(
            "openclaw_auth_check_last_run_timestamp_seconds",
            "When the last check cycle finished (Unix time).",
        );
        let last_success = gauge(
            "openclaw_auth_check_last_success_timestamp_seconds",
            "When the last check cycle that could read and evaluate finished (Unix time).",
        );
        let duration = gauge(
            "openclaw_auth_check_duration_seconds",
            "Duration of the last check cycle.",
        );
        let build = must(GaugeVec::new(
            Opts::new(
                "clawwatch_build_info",
                "clawwatch build information (always 1).",
            ),
            &["version"],
        ));
        build
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1.0);
        must(registry.register(Box::new(build)));
        Metrics {
            registry,
            alert_metrics: std::sync::OnceLock::new(),
            doctor_metrics: std::sync::OnceLock::new(),
            runs,
            failures,
            skipped,
            source_errors,
            last_run,
            last_success,
            duration,
        }
    }

    /// The long-lived registry (alert delivery metrics register here).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Alert delivery metrics, registered once on this registry (a
    /// reloaded alerter reuses them).
    pub fn alert_metrics(&self) -> Option<crate::alert::metrics::AlertMetrics> {
        self.alert_metrics
            .get_or_init(|| crate::alert::metrics::AlertMetrics::new(&self.registry).ok())
            .clone()
    }

    /// Doctor metrics, registered on first use (only agents that run
    /// doctor in their cycles export them).
    pub fn doctor_metrics(&self) -> Option<super::doctor_metrics::DoctorMetrics> {
        self.doctor_metrics
            .get_or_init(|| super::doctor_metrics::DoctorMetrics::new(&self.registry).ok())
            .clone()
    }

    pub fn skipped(&self) {
        self.skipped.inc();
    }

    /// Record a finished cycle. `report` is None when the cycle failed.
    pub fn record_cycle(&self, report: Option<&Report>, finished_unix_s: f64, duration_s: f64) {
        self.runs.inc();
        self.last_run.set(finished_unix_s);
        self.duration.set(duration_s);
        match report {
            Some(r) => {
                self.last_success.set(finished_unix_s);
                for p in &r.read_problems {
                    self.source_errors
                        .with_label_values(&[p.source, p.reason])
                        .inc();
                }
            }
            None => self.failures.inc(),
        }
    }

    /// Render the exposition for the current counters and `report`.
    pub fn render(&self, report: Option<&Report>) -> Rendered {
        let mut families = self.registry.gather();
        if let Some(r) = report {
            families.extend(report_registry(r).gather());
        }
        families.sort_by(|a, b| a.name().cmp(b.name()));
        let mut text = Vec::new();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&families, &mut text);
        Rendered {
            text: String::from_utf8(text).unwrap_or_default(),
            openmetrics: openmetrics(&families),
        }
    }
}

/// The credential label set. The profile label never holds an email
/// address (OAuth profile ids often do) nor a path.
fn cred_labels(c: &CredentialReport) -> [String; 5] {
    let profile = if c.source == "claude-code" {
        "claude-code".to_string()
    } else {
        crate::alert::alertmanager::label_safe(&c.profile)
    };
    [
        c.agent.clone(),
        c.provider.clone(),
        profile,
        c.r#type.clone(),
        c.source.clone(),
    ]
}

/// Gauges derived from one report.
fn report_registry(r: &Report) -> Registry {
    let reg = Registry::new();
    let vec = |name: &str, help: &str, labels: &[&str]| {
        let g = must(GaugeVec::new(Opts::new(name, help), labels));
        must(reg.register(Box::new(g.clone())));
        g
    };
    let gauge = |name: &str, help: &str| {
        let g = must(Gauge::new(name, help));
        must(reg.register(Box::new(g.clone())));
        g
    };
    let expiry = vec(
        "openclaw_auth_credential_expiry_timestamp_seconds",
        "When the credential expires (Unix time); absent for credentials without expiry.",
        &CRED_LABELS,
    );
    let mut state_labels = CRED_LABELS.to_vec();
    state_labels.push("state");
    let state = vec(
        "openclaw_auth_credential_state",
        "Credential state set: 1 for the current state, 0 for the others.",
        &state_labels,
    );
    let in_use = vec(
        "openclaw_auth_credential_in_use",
        "1 if a configured route selects this credential.",
        &CRED_LABELS,
    );
    let counted = vec(
        "openclaw_auth_credential_counted",
        "1 if OpenClaw's check can count this credential (0 for legacy JSON and Claude Code's file).",
        &CRED_LABELS,
    );
    let keys = vec(
        "openclaw_auth_provider_keys",
        "Keys available after precedence and dedup (source=env: the env credential models status uses; source=rotation: the gateway's rotation keys).",
        &["agent", "provider", "source"],
    );
    let agent_status = vec(
        "openclaw_auth_agent_status",
        "The agent's check code (0 ok, 1 expired or missing, 2 expiring).",
        &["agent"],
    );
    gauge(
        "openclaw_auth_check_status",
        "The check exit code over the checked agents (0 ok, 1 expired or missing, 2 expiring).",
    )
    .set(r.verdict.openclaw_code() as f64);
    gauge(
        "openclaw_auth_warn_within_seconds",
        "The expiring window of the check.",
    )
    .set(r.warn_within_ms as f64 / 1000.0);

    let creds = r
        .agents
        .iter()
        .flat_map(|a| a.credentials.iter())
        .chain(r.external.iter());
    for c in creds {
        let owned = cred_labels(c);
        let l: [&str; 5] = [&owned[0], &owned[1], &owned[2], &owned[3], &owned[4]];
        if let Some(ms) = c.expires_at_ms {
            expiry.with_label_values(&l).set(ms as f64 / 1000.0);
        }
        for s in CredState::ALL {
            let mut sl = l.to_vec();
            sl.push(s.as_str());
            state
                .with_label_values(&sl)
                .set(if s == c.state { 1.0 } else { 0.0 });
        }
        in_use
            .with_label_values(&l)
            .set(if c.in_use { 1.0 } else { 0.0 });
        counted
            .with_label_values(&l)
            .set(if c.counted { 1.0 } else { 0.0 });
    }
    for a in &r.agents {
        agent_status
            .with_label_values(&[a.agent.as_str()])
            .set(a.verdict.openclaw_code() as f64);
        for p in &a.providers {
            keys.with_label_values(&[a.agent.as_str(), p.provider.as_str(), "env"])
                .set(if p.env_var.is_some() { 1.0 } else { 0.0 });
            keys.with_label_values(&[a.agent.as_str(), p.provider.as_str(), "rotation"])
                .set(p.rotation_keys as f64);
        }
    }
    reg
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// OpenMetrics 1.0 text for counters and gauges (all clawwatch uses).
pub fn openmetrics(families: &[MetricFamily]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for f in families {
        let name = f.name();
        let (ty, base) = match f.get_field_type() {
            MetricType::COUNTER => ("counter", name.strip_suffix("_total").unwrap_or(name)),
            MetricType::GAUGE => ("gauge", name),
            _ => ("unknown", name),
        };
        let _ = writeln!(out, "# TYPE {base} {ty}");
        let help = f.help().replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(out, "# HELP {base} {help}");
        for m in f.get_metric() {
            let labels: Vec<String> = m
                .get_label()
                .iter()
                .map(|l| format!("{}=\"{}\"", l.name(), escape_label(l.value())))
                .collect();
            let lbl = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{}}}", labels.join(","))
            };
            let (sample, value) = match f.get_field_type() {
                MetricType::COUNTER => (format!("{base}_total"), m.get_counter().get_value()),
                _ => (name.to_string(), m.get_gauge().get_value()),
            };
            let _ = writeln!(out, "{sample}{lbl} {}", fmt_value(value));
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Pick the format a scraper asked for (OpenMetrics only when it says so).
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("application/openmetrics-text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_registry_renders_counters_and_build_info() {
        let m = Metrics::new();
        m.record_cycle(None, 1_795_639_915.0, 0.01);
        let r = m.render(None);
        assert!(
            r.text.contains("openclaw_auth_check_failures_total 1"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("clawwatch_build_info{version="),
            "{}",
            r.text
        );
        assert!(
            r.openmetrics
                .contains("# TYPE openclaw_auth_check_failures counter")
        );
        assert!(
            r.openmetrics
                .contains("openclaw_auth_check_failures_total 1")
        );
        assert!(r.openmetrics.ends_with("# EOF\n"));
    }

    #[test]
    fn accept_header_negotiation() {
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text; version=1.0.0,text/plain;q=0.5"
        )));
        assert!(!wants_openmetrics(Some("text/plain")));
        assert!(!wants_openmetrics(None));
    }
}
