//! Prometheus metrics from a [`Report`] (names in docs/metrics.md).
//!
//! Long-lived counters (cycles, failures, source errors, alert deliveries)
//! live in one registry; the per-credential gauges in another, set from
//! each report, so a credential that disappears loses its series while an
//! expired one keeps its state set. The prometheus crate encodes the text
//! format; each cycle renders both exposition formats once, and a scrape
//! only shares the rendered bytes (it never reads the disk).

use clawwatch_core::model::{CredSource, CredState, CredentialReport, Report};
use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{Gauge, GaugeVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Both exposition formats of one moment. OpenMetrics is the text but for
/// counters' headers and a final `# EOF`, so it is kept as pieces: ranges
/// of the text, and its own lines. The daemon serves those pieces from the
/// text's buffer, so the ~1.5 MB of a large home is held once.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The text format (0.0.4).
    pub text: String,
    /// OpenMetrics' own lines (headers, `# EOF`).
    om_own: String,
    om_pieces: Vec<Piece>,
}

/// Where a piece of the OpenMetrics exposition is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A range of [`Rendered::text`].
    Text(std::ops::Range<usize>),
    /// A range of [`Rendered::openmetrics_own`].
    Own(std::ops::Range<usize>),
}

impl Rendered {
    /// OpenMetrics' own lines, which [`Piece::Own`] ranges point into.
    pub fn openmetrics_own(&self) -> &str {
        &self.om_own
    }

    /// The OpenMetrics exposition, in order, as ranges of the text and of
    /// its own lines.
    pub fn openmetrics_pieces(&self) -> &[Piece] {
        &self.om_pieces
    }

    /// The text, OpenMetrics' own lines and its pieces.
    pub fn into_parts(self) -> (String, String, Vec<Piece>) {
        (self.text, self.om_own, self.om_pieces)
    }

    /// The OpenMetrics exposition as one string (tests, tools).
    pub fn openmetrics(&self) -> String {
        let mut out = String::new();
        for p in &self.om_pieces {
            out.push_str(match p {
                Piece::Text(r) => &self.text[r.clone()],
                Piece::Own(r) => &self.om_own[r.clone()],
            });
        }
        out
    }
}

pub struct Metrics {
    registry: Registry,
    /// The per-credential and per-agent gauges of the last report, kept
    /// between cycles: a series lives as long as its credential does.
    report: ReportGauges,
    alert_metrics: std::sync::OnceLock<Option<super::alert_metrics::AlertMetrics>>,
    doctor_metrics: std::sync::OnceLock<Option<super::doctor_metrics::DoctorMetrics>>,
    runs: IntCounter,
    failures: IntCounter,
    skipped: IntCounter,
    source_errors: IntCounterVec,
    last_run: Gauge,
    last_success: Gauge,
    duration: Gauge,
    /// Length of the last rendered text: the next render reserves that
    /// much at once instead of doubling its way up (and leaving up to half
    /// of the buffer unused).
    last_len: std::sync::atomic::AtomicUsize,
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

/// A counter, registered.
fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = must(IntCounter::new(name, help));
    must(registry.register(Box::new(c.clone())));
    c
}

/// A gauge, registered.
fn gauge(registry: &Registry, name: &str, help: &str) -> Gauge {
    let g = must(Gauge::new(name, help));
    must(registry.register(Box::new(g.clone())));
    g
}

/// A gauge vector, registered.
fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let g = must(GaugeVec::new(Opts::new(name, help), labels));
    must(registry.register(Box::new(g.clone())));
    g
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let source_errors = must(IntCounterVec::new(
            Opts::new(
                "openclaw_auth_source_errors_total",
                "Read problems per credential source module.",
            ),
            &["source", "reason"],
        ));
        must(registry.register(Box::new(source_errors.clone())));
        let build = gauge_vec(
            &registry,
            "clawwatch_build_info",
            "clawwatch build information (always 1).",
            &["version"],
        );
        build
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1.0);
        Metrics {
            runs: counter(
                &registry,
                "openclaw_auth_check_runs_total",
                "Check cycles run.",
            ),
            failures: counter(
                &registry,
                "openclaw_auth_check_failures_total",
                "Check cycles that failed (logged; the daemon goes on).",
            ),
            skipped: counter(
                &registry,
                "openclaw_auth_check_skipped_total",
                "Scheduled ticks skipped because the previous cycle was still running.",
            ),
            source_errors,
            last_run: gauge(
                &registry,
                "openclaw_auth_check_last_run_timestamp_seconds",
                "When the last check cycle finished (Unix time).",
            ),
            last_success: gauge(
                &registry,
                "openclaw_auth_check_last_success_timestamp_seconds",
                "When the last check cycle that could read and evaluate finished (Unix time).",
            ),
            duration: gauge(
                &registry,
                "openclaw_auth_check_duration_seconds",
                "Duration of the last check cycle.",
            ),
            registry,
            report: ReportGauges::new(),
            alert_metrics: std::sync::OnceLock::new(),
            doctor_metrics: std::sync::OnceLock::new(),
            last_len: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The long-lived registry (alert delivery metrics register here).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Alert delivery metrics, registered once on this registry (a
    /// reloaded alerter reuses them).
    pub fn alert_metrics(&self) -> Option<super::alert_metrics::AlertMetrics> {
        self.alert_metrics
            .get_or_init(|| super::alert_metrics::AlertMetrics::new(&self.registry).ok())
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
                        .with_label_values(&[p.source.as_str(), p.reason.as_str()])
                        .inc();
                }
            }
            None => self.failures.inc(),
        }
    }

    /// Render the exposition for the current counters and `report` (None:
    /// no report families, as before the first cycle and after a failed
    /// one), with the prometheus crate's text encoder. OpenMetrics is not
    /// encoded again: it is pieces of the text and a few lines of its own
    /// (see [`Rendered`]).
    pub fn render(&self, report: Option<&Report>) -> Rendered {
        let mut families = self.registry.gather();
        match report {
            Some(r) => {
                self.report.set(r);
                families.extend(self.report.registry.gather());
                families.sort_by(|a, b| a.name().cmp(b.name()));
            }
            None => self.report.clear(),
        }
        let hint = self.last_len.load(std::sync::atomic::Ordering::Relaxed);
        let mut text = String::with_capacity(hint + hint / 16);
        must(TextEncoder::new().encode_utf8(&families, &mut text));
        text.shrink_to_fit();
        self.last_len
            .store(text.len(), std::sync::atomic::Ordering::Relaxed);
        let spans = spans(&text, &families);
        let (om_own, om_pieces) = openmetrics_from_text(&text, &families, &spans);
        Rendered {
            text,
            om_own,
            om_pieces,
        }
    }
}

const CRED_LABELS: [&str; 5] = ["agent", "provider", "profile", "type", "source"];

/// The gauges built from a report, in their own registry, and the label
/// sets each had after the last report (to remove the series of
/// credentials and agents that are gone).
struct ReportGauges {
    registry: Registry,
    expiry: GaugeVec,
    state: GaugeVec,
    in_use: GaugeVec,
    counted: GaugeVec,
    keys: GaugeVec,
    agent_status: GaugeVec,
    check_status: GaugeVec,
    warn_within: GaugeVec,
    last: std::sync::Mutex<Vec<LabelSets>>,
}

/// The label sets one gauge vector holds.
type LabelSets = std::collections::HashSet<Vec<String>>;

/// A credential's label values (agent, provider, profile, type, source):
/// no secret and no email address (profile ids with one are hashed).
fn cred_labels(c: &CredentialReport) -> Vec<String> {
    let profile = if c.source == CredSource::ClaudeCode {
        "claude-code".to_string()
    } else {
        clawwatch_core::labels::label_safe(&c.profile)
    };
    vec![
        c.agent.clone(),
        c.provider.clone(),
        profile,
        c.cred_type.to_string(),
        c.source.to_string(),
    ]
}

/// One report's values for one gauge vector: (label values, value), the
/// last of a label set winning as a registry child set twice does.
type Values = Vec<(Vec<String>, f64)>;

fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl ReportGauges {
    fn new() -> Self {
        let r = Registry::new();
        let mut state_labels = CRED_LABELS.to_vec();
        state_labels.push("state");
        ReportGauges {
            expiry: gauge_vec(
                &r,
                "openclaw_auth_credential_expiry_timestamp_seconds",
                "When the credential expires (Unix time); absent for credentials without expiry.",
                &CRED_LABELS,
            ),
            state: gauge_vec(
                &r,
                "openclaw_auth_credential_state",
                "Credential state set: 1 for the current state, 0 for the others.",
                &state_labels,
            ),
            in_use: gauge_vec(
                &r,
                "openclaw_auth_credential_in_use",
                "1 if a configured route selects this credential.",
                &CRED_LABELS,
            ),
            counted: gauge_vec(
                &r,
                "openclaw_auth_credential_counted",
                "1 if OpenClaw's check can count this credential (0 for legacy JSON and Claude Code's file).",
                &CRED_LABELS,
            ),
            keys: gauge_vec(
                &r,
                "openclaw_auth_provider_keys",
                "Keys available after precedence and dedup (source=env: the env credential models status uses; source=rotation: the gateway's rotation keys).",
                &["agent", "provider", "source"],
            ),
            agent_status: gauge_vec(
                &r,
                "openclaw_auth_agent_status",
                "The agent's check code (0 ok, 1 expired or missing, 2 expiring).",
                &["agent"],
            ),
            check_status: gauge_vec(
                &r,
                "openclaw_auth_check_status",
                "The check exit code over the checked agents (0 ok, 1 expired or missing, 2 expiring).",
                &[],
            ),
            warn_within: gauge_vec(
                &r,
                "openclaw_auth_warn_within_seconds",
                "The expiring window of the check.",
                &[],
            ),
            registry: r,
            last: std::sync::Mutex::new(vec![LabelSets::new(); 8]),
        }
    }

    fn vecs(&self) -> [&GaugeVec; 8] {
        [
            &self.expiry,
            &self.state,
            &self.in_use,
            &self.counted,
            &self.keys,
            &self.agent_status,
            &self.check_status,
            &self.warn_within,
        ]
    }

    /// The per-credential values of a report, per vector.
    fn credential_values(r: &Report) -> [Values; 4] {
        let (mut expiry, mut state, mut in_use, mut counted) = (vec![], vec![], vec![], vec![]);
        let creds = r.agents.iter().flat_map(|a| a.credentials.iter());
        for c in creds.chain(r.external.iter()) {
            let l = cred_labels(c);
            if let Some(ms) = c.expires_at_ms {
                expiry.push((l.clone(), ms as f64 / 1000.0));
            }
            for s in CredState::ALL {
                let mut sl = l.clone();
                sl.push(s.as_str().to_string());
                state.push((sl, bool_value(s == c.state)));
            }
            in_use.push((l.clone(), bool_value(c.in_use)));
            counted.push((l, bool_value(c.counted)));
        }
        [expiry, state, in_use, counted]
    }

    /// Every vector's values for a report, in [`Self::vecs`] order.
    fn values(r: &Report) -> [Values; 8] {
        let [expiry, state, in_use, counted] = Self::credential_values(r);
        let mut keys = vec![];
        let mut agents = vec![];
        for a in &r.agents {
            agents.push((vec![a.agent.clone()], a.verdict.openclaw_code() as f64));
            for p in &a.providers {
                let l = |source: &str| vec![a.agent.clone(), p.provider.clone(), source.into()];
                keys.push((l("env"), bool_value(p.env_var.is_some())));
                keys.push((l("rotation"), p.rotation_keys as f64));
            }
        }
        let check = vec![(vec![], r.verdict.openclaw_code() as f64)];
        let warn = vec![(vec![], r.warn_within_ms as f64 / 1000.0)];
        [expiry, state, in_use, counted, keys, agents, check, warn]
    }

    /// Set every series of `r`; remove those of the last report it lacks.
    fn set(&self, r: &Report) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        for ((vec, values), before) in self
            .vecs()
            .into_iter()
            .zip(Self::values(r))
            .zip(last.iter_mut())
        {
            let mut now = LabelSets::with_capacity(values.len());
            for (labels, v) in values {
                let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
                vec.with_label_values(&refs).set(v);
                now.insert(labels);
            }
            for gone in before.difference(&now) {
                let refs: Vec<&str> = gone.iter().map(String::as_str).collect();
                let _ = vec.remove_label_values(&refs);
            }
            *before = now;
        }
    }

    /// No report: no report series.
    fn clear(&self) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        for (vec, before) in self.vecs().into_iter().zip(last.iter_mut()) {
            vec.reset();
            before.clear();
        }
    }
}

type Span = std::ops::Range<usize>;

/// Where a family is in the text: all of it, and its sample lines.
struct Spans {
    family: Span,
    samples: Span,
}

/// The spans of `families` in the text the encoder wrote for them: each
/// is its `# HELP`/`# TYPE` lines, then sample lines (never starting with
/// `#`), in order.
fn spans(text: &str, families: &[MetricFamily]) -> Vec<Spans> {
    let mut out = Vec::with_capacity(families.len());
    let mut at = 0;
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
    for _ in families {
        let start = at;
        while text[at..].starts_with("# ") {
            at = line_end(at);
        }
        let samples = at;
        while at < text.len() && !text[at..].starts_with('#') {
            at = line_end(at);
        }
        out.push(Spans {
            family: start..at,
            samples: samples..at,
        });
    }
    out
}

fn is_counter(f: &MetricFamily) -> bool {
    f.get_field_type() == MetricType::COUNTER
}

fn is_gauge(f: &MetricFamily) -> bool {
    f.get_field_type() == MetricType::GAUGE
}

/// Help text escapes `\\` and newlines.
fn escape_help(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Text ranges shorter than this are copied into OpenMetrics' own lines:
/// each piece is a frame of the response, and a few large ones serve as
/// fast as one buffer, many small ones do not.
const SHARE_AT_LEAST: usize = 16 * 1024;

/// OpenMetrics 1.0 from the text. Both formats write `# HELP` then
/// `# TYPE` (OpenMetrics allows its descriptors in any order), so a gauge
/// family with a help text is the same bytes in both; a counter's headers
/// name the family without `_total` (its samples already have it), a family
/// without help gets an empty `# HELP`, and `# EOF` ends it. On a large
/// home that makes three pieces: own lines, one range of the text holding
/// every per-credential family, own lines.
fn openmetrics_from_text(
    text: &str,
    families: &[MetricFamily],
    spans: &[Spans],
) -> (String, Vec<Piece>) {
    // First the exposition as segments: text ranges, or lines of `lines`.
    enum Seg {
        Text(Span),
        Own(Span),
    }
    let mut lines = String::new();
    let mut segs: Vec<Seg> = Vec::with_capacity(2 * families.len() + 1);
    let push_text = |segs: &mut Vec<Seg>, r: Span| match segs.last_mut() {
        Some(Seg::Text(last)) if last.end == r.start => last.end = r.end,
        _ => segs.push(Seg::Text(r)),
    };
    for (f, sp) in families.iter().zip(spans) {
        let name = f.name();
        if is_gauge(f) && !f.help().is_empty() {
            push_text(&mut segs, sp.family.clone());
            continue;
        }
        let (ty, base) = if is_counter(f) {
            ("counter", name.strip_suffix("_total").unwrap_or(name))
        } else if is_gauge(f) {
            ("gauge", name)
        } else {
            ("unknown", name)
        };
        let start = lines.len();
        lines.push_str("# HELP ");
        lines.push_str(base);
        lines.push(' ');
        escape_help(&mut lines, f.help());
        lines.push('\n');
        lines.push_str("# TYPE ");
        lines.push_str(base);
        lines.push(' ');
        lines.push_str(ty);
        lines.push('\n');
        if is_counter(f) && base == name {
            // A counter not named `_total`: OpenMetrics' sample is.
            for line in text[sp.samples.clone()].lines() {
                lines.push_str(base);
                lines.push_str("_total");
                lines.push_str(line.strip_prefix(name).unwrap_or(line));
                lines.push('\n');
            }
            segs.push(Seg::Own(start..lines.len()));
        } else {
            segs.push(Seg::Own(start..lines.len()));
            push_text(&mut segs, sp.samples.clone());
        }
    }
    let start = lines.len();
    lines.push_str("# EOF\n");
    segs.push(Seg::Own(start..lines.len()));

    // Then the pieces: long text ranges shared, the rest copied.
    let mut own = String::new();
    let mut pieces = Vec::new();
    let mut run = 0;
    for seg in segs {
        match seg {
            Seg::Text(r) if r.len() >= SHARE_AT_LEAST => {
                if own.len() > run {
                    pieces.push(Piece::Own(run..own.len()));
                }
                pieces.push(Piece::Text(r));
                run = own.len();
            }
            Seg::Text(r) => own.push_str(&text[r]),
            Seg::Own(r) => own.push_str(&lines[r]),
        }
    }
    if own.len() > run {
        pieces.push(Piece::Own(run..own.len()));
    }
    (own, pieces)
}

/// Pick the format a scraper asked for (OpenMetrics only when it says so).
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("application/openmetrics-text"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawwatch_core::model::{
        AgentReport, CredType, ProviderKeys, ReadProblem, ReadReason, SourceName, Verdict,
    };

    /// A fresh registry per report, encoded by the prometheus crate: the
    /// kept gauges must give the same bytes, whatever reports came before.
    mod reference {
        use clawwatch_core::model::CredSource;
        use clawwatch_core::model::{CredState, CredentialReport, Report};
        use prometheus::proto::{MetricFamily, MetricType};
        use prometheus::{Encoder, Gauge, GaugeVec, Opts, Registry, TextEncoder};

        const CRED_LABELS: [&str; 5] = ["agent", "provider", "profile", "type", "source"];

        fn must<T>(r: prometheus::Result<T>) -> T {
            super::super::must(r)
        }

        pub struct Old {
            pub text: String,
            pub openmetrics: String,
        }

        pub fn render(m: &super::Metrics, report: Option<&Report>) -> Old {
            let mut families = m.registry.gather();
            if let Some(r) = report {
                families.extend(report_registry(r).gather());
            }
            families.sort_by(|a, b| a.name().cmp(b.name()));
            let mut text = Vec::new();
            TextEncoder::new().encode(&families, &mut text).unwrap();
            Old {
                text: String::from_utf8(text).unwrap(),
                openmetrics: openmetrics(&families),
            }
        }

        fn cred_labels(c: &CredentialReport) -> [String; 5] {
            let profile = if c.source == CredSource::ClaudeCode {
                "claude-code".to_string()
            } else {
                clawwatch_core::labels::label_safe(&c.profile)
            };
            [
                c.agent.clone(),
                c.provider.clone(),
                profile,
                c.cred_type.to_string(),
                c.source.to_string(),
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
        fn openmetrics(families: &[MetricFamily]) -> String {
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
                        MetricType::COUNTER => {
                            (format!("{base}_total"), m.get_counter().get_value())
                        }
                        _ => (name.to_string(), m.get_gauge().get_value()),
                    };
                    let _ = writeln!(out, "{sample}{lbl} {}", fmt_value(value));
                }
            }
            out.push_str("# EOF\n");
            out
        }
    }

    fn cred(
        agent: &str,
        provider: &str,
        profile: &str,
        ty: &str,
        source: &str,
        expires: Option<i64>,
        state: CredState,
    ) -> CredentialReport {
        CredentialReport {
            agent: agent.into(),
            provider: provider.into(),
            profile: profile.into(),
            cred_type: CredType::from_word(ty).expect("a credential type"),
            source: CredSource::from_word(source).expect("a credential source"),
            expires_at_ms: expires,
            state,
            reason: None,
            masked: None,
            in_use: expires.is_some(),
            counted: source != "legacy-json",
            unusable_until_ms: None,
        }
    }

    fn agent(
        name: &str,
        creds: Vec<CredentialReport>,
        providers: Vec<ProviderKeys>,
    ) -> AgentReport {
        AgentReport {
            agent: name.into(),
            default: false,
            agent_dir: String::new(),
            store_path: String::new(),
            failure: None,
            routes: vec![],
            credentials: creds,
            providers,
            verdict: Verdict::Expiring,
            problems: vec![],
        }
    }

    fn keys(provider: &str, env: bool, rotation: usize) -> ProviderKeys {
        ProviderKeys {
            provider: provider.into(),
            env_var: env.then(|| "ANTHROPIC_API_KEY".to_string()),
            env_source: None,
            rotation_keys: rotation,
            rotation_vars: vec![],
        }
    }

    /// Label sets met twice (last value wins, the expiry from the last
    /// credential that has one), one prefix with two types (the state set
    /// interleaves them), unsorted agents and providers, escapes, emails.
    fn awkward_report() -> Report {
        use CredState::*;
        let dup_a = cred(
            "b",
            "anthropic",
            "anthropic:x",
            "token",
            "agent-db",
            Some(1_795_000_000_123),
            Expiring,
        );
        let dup_b = cred(
            "b",
            "anthropic",
            "anthropic:x",
            "token",
            "agent-db",
            None,
            Expired,
        );
        Report {
            now_ms: 0,
            warn_within_ms: 86_400_000,
            state_dir: String::new(),
            config_path: String::new(),
            verdict: Verdict::Failing,
            agents: vec![
                agent(
                    "b",
                    vec![
                        dup_a,
                        cred(
                            "b",
                            "openai",
                            "openai:default",
                            "api_key",
                            "state-db",
                            None,
                            Static,
                        ),
                        dup_b,
                        cred(
                            "b",
                            "anthropic",
                            "anthropic:x",
                            "oauth",
                            "agent-db",
                            Some(1),
                            Expired,
                        ),
                        cred(
                            "b",
                            "anthropic",
                            "anthropic:me@example.org",
                            "oauth",
                            "agent-db",
                            Some(2_000),
                            Ok,
                        ),
                        cred(
                            "b",
                            "anthropic",
                            "ANTHROPIC_API_KEY",
                            "api_key",
                            "env",
                            None,
                            Static,
                        ),
                    ],
                    vec![
                        keys("openai", false, 0),
                        keys("anthropic", true, 3),
                        keys("openai", true, 1),
                    ],
                ),
                agent(
                    "a\"q\\z\nn",
                    vec![cred(
                        "a\"q\\z\nn",
                        "zai",
                        "zai:1",
                        "token",
                        "legacy-json",
                        Some(-5),
                        Missing,
                    )],
                    vec![keys("zai", false, 2)],
                ),
                agent("b", vec![], vec![]),
                agent("c", vec![], vec![]),
            ],
            external: vec![cred(
                "",
                "anthropic",
                "/home/u/.claude/.credentials.json",
                "oauth",
                "claude-code",
                Some(1_795_000_000_500),
                Cooldown,
            )],
            read_problems: vec![ReadProblem {
                source: SourceName::SqliteStore,
                reason: ReadReason::Unreadable,
                path: None,
                message: String::new(),
            }],
        }
    }

    /// The old OpenMetrics wrote `# TYPE` before `# HELP`; both orders are
    /// valid, and the new one matches the text format's.
    fn help_first(om: &str) -> String {
        let mut lines: Vec<&str> = om.lines().collect();
        for i in 1..lines.len() {
            if lines[i].starts_with("# HELP ") && lines[i - 1].starts_with("# TYPE ") {
                lines.swap(i - 1, i);
            }
        }
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn metrics_with_counters() -> Metrics {
        let m = Metrics::new();
        let a = m.alert_metrics().unwrap();
        a.init_channel("mail");
        m.record_cycle(Some(&awkward_report()), 1_795_639_915.25, 0.012_5);
        m.record_cycle(None, 1_795_639_916.0, 0.5);
        m.skipped();
        m
    }

    #[test]
    fn kept_gauges_match_a_fresh_registry() {
        let m = metrics_with_counters();
        // A counter not named `_total` (OpenMetrics' sample lines are).
        let odd =
            IntCounter::new("clawwatch_odd_counter", "An odd one.\nTwo lines \\ here.").unwrap();
        odd.inc();
        m.registry().register(Box::new(odd)).unwrap();
        let r = awkward_report();
        let new = m.render(Some(&r));
        let old = reference::render(&m, Some(&r));
        assert_eq!(new.text, old.text);
        assert_eq!(new.openmetrics(), help_first(&old.openmetrics));
        assert!(new.text.contains("email-"), "{}", new.text);
        assert!(!new.text.contains("me@example.org"));
        // Without a report, and with an empty one.
        assert_eq!(m.render(None).text, reference::render(&m, None).text);
        assert_eq!(
            m.render(None).openmetrics(),
            help_first(&reference::render(&m, None).openmetrics)
        );
        let empty = Report {
            agents: vec![],
            external: vec![],
            ..awkward_report()
        };
        let (new, old) = (m.render(Some(&empty)), reference::render(&m, Some(&empty)));
        assert_eq!(new.text, old.text);
        assert_eq!(new.openmetrics(), help_first(&old.openmetrics));
    }

    #[test]
    fn kept_gauges_match_on_a_large_home_and_after_series_vanish() {
        let states = CredState::ALL;
        let agents = (0..40)
            .rev()
            .map(|i| {
                let name = format!("agent{i:03}");
                let creds = (0..12)
                    .map(|j| {
                        let st = states[(i + j) % states.len()];
                        let exp =
                            (j % 3 != 0).then_some(1_795_000_000_000 + (i * 1000 + j) as i64 * 777);
                        let ty = ["token", "oauth", "api_key"][j % 3];
                        cred(
                            &name,
                            ["anthropic", "openai", "google"][j % 3],
                            &format!("p:{}", j / 2),
                            ty,
                            "agent-db",
                            exp,
                            st,
                        )
                    })
                    .collect();
                agent(
                    &name,
                    creds,
                    vec![
                        keys("openai", i % 2 == 0, i % 4),
                        keys("anthropic", true, 0),
                    ],
                )
            })
            .collect();
        let r = Report {
            agents,
            ..awkward_report()
        };
        let m = metrics_with_counters();
        let (new, old) = (m.render(Some(&r)), reference::render(&m, Some(&r)));
        assert_eq!(new.text, old.text);
        assert_eq!(new.openmetrics(), help_first(&old.openmetrics));
        // A second render reserves from the first one's length.
        assert_eq!(m.render(Some(&r)).text, old.text);
        // Half the agents gone: their series go with them.
        let fewer = Report {
            agents: r.agents[..20].to_vec(),
            ..r.clone()
        };
        assert_eq!(
            m.render(Some(&fewer)).text,
            reference::render(&m, Some(&fewer)).text
        );
        // OpenMetrics is the text's sample lines plus a few header lines.
        let own: usize = new
            .openmetrics_pieces()
            .iter()
            .map(|p| match p {
                Piece::Own(r) => r.len(),
                Piece::Text(_) => 0,
            })
            .sum();
        assert_eq!(own, new.openmetrics_own().len());
        assert!(own * 10 < new.text.len(), "{own} of {}", new.text.len());
        // Own lines, every per-credential family in one range, own lines.
        assert_eq!(
            new.openmetrics_pieces().len(),
            3,
            "{:?}",
            new.openmetrics_pieces()
        );
    }

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
            r.openmetrics()
                .contains("# TYPE openclaw_auth_check_failures counter")
        );
        assert!(
            r.openmetrics()
                .contains("openclaw_auth_check_failures_total 1")
        );
        assert!(r.openmetrics().ends_with("# EOF\n"));
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
