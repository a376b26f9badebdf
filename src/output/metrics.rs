//! Prometheus metrics from a [`Report`] (names in docs/metrics.md).
//!
//! Long-lived counters (cycles, failures, source errors, alert deliveries)
//! live in one registry; the per-credential gauges are written from each
//! report, so a credential that disappears loses its series while an
//! expired one keeps its state set. Each cycle renders both exposition
//! formats once; a scrape only shares the rendered bytes (it never reads
//! the disk).

use clawwatch_core::model::{CredSource, CredState, CredentialReport, Report};
use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{Gauge, GaugeVec, IntCounter, IntCounterVec, Opts, Registry};

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
    alert_metrics: std::sync::OnceLock<Option<super::alert_metrics::AlertMetrics>>,
    doctor_metrics: std::sync::OnceLock<Option<super::doctor_metrics::DoctorMetrics>>,
    runs: IntCounter,
    failures: IntCounter,
    skipped: IntCounter,
    source_errors: IntCounterVec,
    last_run: Gauge,
    last_success: Gauge,
    duration: Gauge,
    /// `openclaw_auth_rules_info{release,era,source}`: whose rules the last
    /// verdict applied (one series; the release is a label only here).
    rules_info: GaugeVec,
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
        // Every known {source, reason} at 0 from the start, so the first
        // error is an increase() Prometheus can see.
        for source in clawwatch_core::model::SourceName::ALL {
            for reason in clawwatch_core::model::ReadReason::ALL {
                source_errors.with_label_values(&[source.as_str(), reason.as_str()]);
            }
        }
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
            &["version", "revision", "target"],
        ));
        build
            .with_label_values(&[
                crate::version::VERSION,
                crate::version::REVISION,
                crate::version::TARGET,
            ])
            .set(1.0);
        must(registry.register(Box::new(build)));
        let rules_info = must(GaugeVec::new(
            Opts::new(
                "openclaw_auth_rules_info",
                "The OpenClaw release whose rules the last check applied, its era, and what named it (always 1).",
            ),
            &["release", "era", "source"],
        ));
        must(registry.register(Box::new(rules_info.clone())));
        Metrics {
            rules_info,
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
                let rel = &r.release;
                self.rules_info.reset();
                self.rules_info
                    .with_label_values(&[
                        rel.release.to_string().as_str(),
                        rel.era.as_str(),
                        rel.source.as_str(),
                    ])
                    .set(1.0);
                for p in &r.read_problems {
                    self.source_errors
                        .with_label_values(&[p.source.as_str(), p.reason.as_str()])
                        .inc();
                }
            }
            None => self.failures.inc(),
        }
    }

    /// Render the exposition for the current counters and `report`.
    ///
    /// The per-credential gauges (most of the ~11k series of a 1,000-profile
    /// home) are written straight from the report, in the order and with
    /// the bytes the prometheus crate's registry and `TextEncoder` would
    /// give: building them as registry children cost about 15 MB of short
    /// lived allocations per cycle (a `Desc`, label pairs and an `Arc` per
    /// series, then copies of them all in `gather`). OpenMetrics is not
    /// encoded again: it is pieces of the text and a few lines of its own
    /// (see [`Rendered`]).
    pub fn render(&self, report: Option<&Report>) -> Rendered {
        let gathered = self.registry.gather();
        let prepared = report.map(Prepared::new);
        let mut families: Vec<Family<'_>> = gathered.iter().map(Family::Gathered).collect();
        if let Some(p) = &prepared {
            families.extend(
                ReportFamily::ALL
                    .iter()
                    .filter(|f| !p.is_empty(**f))
                    .map(|f| Family::Report(*f, p)),
            );
        }
        families.sort_by(|a, b| a.name().cmp(b.name()));

        let hint = self.last_len.load(std::sync::atomic::Ordering::Relaxed);
        let mut text = String::with_capacity(hint + hint / 16);
        let mut spans: Vec<Spans> = Vec::with_capacity(families.len());
        for f in &families {
            spans.push(f.write_text(&mut text));
        }
        text.shrink_to_fit();
        self.last_len
            .store(text.len(), std::sync::atomic::Ordering::Relaxed);
        let (om_own, om_pieces) = openmetrics_from_text(&text, &families, &spans);
        Rendered {
            text,
            om_own,
            om_pieces,
        }
    }
}

/// The families built from a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFamily {
    AgentStatus,
    CheckStatus,
    Counted,
    Expiry,
    InUse,
    State,
    ProviderKeys,
    WarnWithin,
}

impl ReportFamily {
    const ALL: [ReportFamily; 8] = [
        ReportFamily::AgentStatus,
        ReportFamily::CheckStatus,
        ReportFamily::Counted,
        ReportFamily::Expiry,
        ReportFamily::InUse,
        ReportFamily::State,
        ReportFamily::ProviderKeys,
        ReportFamily::WarnWithin,
    ];

    fn name(self) -> &'static str {
        match self {
            ReportFamily::AgentStatus => "openclaw_auth_agent_status",
            ReportFamily::CheckStatus => "openclaw_auth_check_status",
            ReportFamily::Counted => "openclaw_auth_credential_counted",
            ReportFamily::Expiry => "openclaw_auth_credential_expiry_timestamp_seconds",
            ReportFamily::InUse => "openclaw_auth_credential_in_use",
            ReportFamily::State => "openclaw_auth_credential_state",
            ReportFamily::ProviderKeys => "openclaw_auth_provider_keys",
            ReportFamily::WarnWithin => "openclaw_auth_warn_within_seconds",
        }
    }

    fn help(self) -> &'static str {
        match self {
            ReportFamily::AgentStatus => {
                "The agent's check code (0 ok, 1 expired or missing, 2 expiring)."
            }
            ReportFamily::CheckStatus => {
                "The check exit code over the checked agents (0 ok, 1 expired or missing, 2 expiring)."
            }
            ReportFamily::Counted => {
                "1 if OpenClaw's check can count this credential (0 for legacy JSON and Claude Code's file)."
            }
            ReportFamily::Expiry => {
                "When the credential expires (Unix time); absent for credentials without expiry."
            }
            ReportFamily::InUse => {
                "1 if a configured route selects this credential, or would were it not expired or unusable."
            }
            ReportFamily::State => {
                "Credential state set: 1 for the current state, 0 for the others."
            }
            ReportFamily::ProviderKeys => {
                "Keys available after precedence and dedup (source=env: the env credential models status uses; source=rotation: the gateway's rotation keys)."
            }
            ReportFamily::WarnWithin => "The expiring window of the check.",
        }
    }
}

/// One credential label set (label names in sorted order, as the registry
/// writes them) and the last credential the report gave it: a registry
/// child set twice keeps the last value.
struct CredGroup<'a> {
    agent: &'a str,
    profile: String,
    provider: &'a str,
    source: &'a str,
    r#type: &'a str,
    last: &'a CredentialReport,
    /// `openclaw_auth_credential_in_use` of `last`.
    in_use: bool,
    /// The last credential of the set that has an expiry.
    expiry_ms: Option<i64>,
}

impl CredGroup<'_> {
    fn prefix(&self) -> (&str, &str, &str, &str) {
        (self.agent, &self.profile, self.provider, self.source)
    }
    fn key(&self) -> (&str, &str, &str, &str, &str) {
        (
            self.agent,
            &self.profile,
            self.provider,
            self.source,
            self.r#type,
        )
    }
}

/// A report sorted and deduplicated the way the registry's `gather` does
/// (series by label values in label-name order; the last set value wins).
struct Prepared<'a> {
    report: &'a Report,
    creds: Vec<CredGroup<'a>>,
    /// (agent, provider, source, value)
    keys: Vec<(&'a str, &'a str, &'static str, f64)>,
    /// (agent, value)
    agents: Vec<(&'a str, f64)>,
}

/// (agent, profile) of the credentials exported as in use: those a route
/// selects, and those a route would use were they not expired or unusable
/// (OpenClaw skips them, yet they are what its check fails on), so the
/// per-credential alert rules name them.
pub fn in_use_set(r: &Report) -> std::collections::BTreeSet<(&str, &str)> {
    r.agents
        .iter()
        .flat_map(|a| {
            clawwatch_core::alert::vocabulary::alerted_profiles(a)
                .into_iter()
                .map(move |p| (a.agent.as_str(), p))
        })
        .collect()
}

/// Keep the last of each run of equal keys (the input is stably sorted).
fn dedup_last<T, K: PartialEq>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for item in v.drain(..) {
        if out.last().is_some_and(|l| key(l) == key(&item)) {
            out.pop();
        }
        out.push(item);
    }
    *v = out;
}

impl<'a> Prepared<'a> {
    fn new(r: &'a Report) -> Self {
        let alerted = in_use_set(r);
        let mut rows: Vec<CredGroup<'a>> = r
            .agents
            .iter()
            .flat_map(|a| a.credentials.iter())
            .chain(r.external.iter())
            .map(|c| CredGroup {
                agent: &c.agent,
                profile: if c.source == CredSource::ClaudeCode {
                    "claude-code".to_string()
                } else {
                    clawwatch_core::labels::label_safe(&c.profile)
                },
                provider: &c.provider,
                source: c.source.as_str(),
                r#type: c.cred_type.as_str(),
                last: c,
                in_use: c.in_use || alerted.contains(&(c.agent.as_str(), c.profile.as_str())),
                expiry_ms: c.expires_at_ms,
            })
            .collect();
        rows.sort_by(|a, b| a.key().cmp(&b.key()));
        // Merge each run of equal label sets into its last row; the expiry
        // is the last one set in the run.
        let mut creds: Vec<CredGroup<'a>> = Vec::with_capacity(rows.len());
        for row in rows {
            match creds.last_mut() {
                Some(g) if g.key() == row.key() => {
                    g.last = row.last;
                    g.in_use = row.in_use;
                    g.expiry_ms = row.expiry_ms.or(g.expiry_ms);
                }
                _ => creds.push(row),
            }
        }
        let mut keys: Vec<(&str, &str, &'static str, f64)> = r
            .agents
            .iter()
            .flat_map(|a| {
                a.providers.iter().flat_map(move |p| {
                    [
                        (
                            a.agent.as_str(),
                            p.provider.as_str(),
                            "env",
                            if p.env_var.is_some() { 1.0 } else { 0.0 },
                        ),
                        (
                            a.agent.as_str(),
                            p.provider.as_str(),
                            "rotation",
                            p.rotation_keys as f64,
                        ),
                    ]
                })
            })
            .collect();
        keys.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        dedup_last(&mut keys, |k| (k.0, k.1, k.2));
        let mut agents: Vec<(&str, f64)> = r
            .agents
            .iter()
            .map(|a| (a.agent.as_str(), a.verdict.openclaw_code() as f64))
            .collect();
        agents.sort_by(|a, b| a.0.cmp(b.0));
        dedup_last(&mut agents, |a| a.0);
        Prepared {
            report: r,
            creds,
            keys,
            agents,
        }
    }

    /// The registry leaves out a family without series.
    fn is_empty(&self, f: ReportFamily) -> bool {
        match f {
            ReportFamily::AgentStatus => self.agents.is_empty(),
            ReportFamily::CheckStatus | ReportFamily::WarnWithin => false,
            ReportFamily::Counted | ReportFamily::InUse | ReportFamily::State => {
                self.creds.is_empty()
            }
            ReportFamily::Expiry => self.creds.iter().all(|g| g.expiry_ms.is_none()),
            ReportFamily::ProviderKeys => self.keys.is_empty(),
        }
    }

    fn write_samples(&self, f: ReportFamily, out: &mut String) {
        let name = f.name();
        let bool_value = |b: bool| if b { 1.0 } else { 0.0 };
        match f {
            ReportFamily::AgentStatus => {
                for (agent, v) in &self.agents {
                    sample(out, name, &[("agent", agent)], *v);
                }
            }
            ReportFamily::CheckStatus => {
                sample(out, name, &[], self.report.verdict.openclaw_code() as f64);
            }
            ReportFamily::WarnWithin => {
                sample(out, name, &[], self.report.warn_within_ms as f64 / 1000.0);
            }
            ReportFamily::Counted | ReportFamily::InUse => {
                for g in &self.creds {
                    let v = if f == ReportFamily::Counted {
                        g.last.counted
                    } else {
                        g.in_use
                    };
                    sample(out, name, &cred_pairs(g), bool_value(v));
                }
            }
            ReportFamily::Expiry => {
                for g in &self.creds {
                    if let Some(ms) = g.expiry_ms {
                        sample(out, name, &cred_pairs(g), ms as f64 / 1000.0);
                    }
                }
            }
            ReportFamily::State => {
                // Label order: agent, profile, provider, source, state, type:
                // within a run of equal (agent, profile, provider, source),
                // all types for one state come before the next state.
                let mut states = CredState::ALL;
                states.sort_by_key(|s| s.as_str());
                let mut rest = &self.creds[..];
                while let Some(first) = rest.first() {
                    let run = rest
                        .iter()
                        .take_while(|g| g.prefix() == first.prefix())
                        .count();
                    for s in states {
                        for g in &rest[..run] {
                            let p = cred_pairs(g);
                            let pairs = [p[0], p[1], p[2], p[3], ("state", s.as_str()), p[4]];
                            sample(out, name, &pairs, bool_value(g.last.state == s));
                        }
                    }
                    rest = &rest[run..];
                }
            }
            ReportFamily::ProviderKeys => {
                for (agent, provider, source, v) in &self.keys {
                    sample(
                        out,
                        name,
                        &[("agent", agent), ("provider", provider), ("source", source)],
                        *v,
                    );
                }
            }
        }
    }
}

fn cred_pairs<'g>(g: &'g CredGroup<'_>) -> [(&'static str, &'g str); 5] {
    [
        ("agent", g.agent),
        ("profile", &g.profile),
        ("provider", g.provider),
        ("source", g.source),
        ("type", g.r#type),
    ]
}

/// A family to write: gathered from the long-lived registry, or built from
/// the report.
enum Family<'a> {
    Gathered(&'a MetricFamily),
    Report(ReportFamily, &'a Prepared<'a>),
}

type Span = std::ops::Range<usize>;

/// Where a family is in the text: all of it, and its sample lines.
struct Spans {
    family: Span,
    samples: Span,
}

impl Family<'_> {
    fn name(&self) -> &str {
        match self {
            Family::Gathered(f) => f.name(),
            Family::Report(f, _) => f.name(),
        }
    }

    fn help(&self) -> &str {
        match self {
            Family::Gathered(f) => f.help(),
            Family::Report(f, _) => f.help(),
        }
    }

    fn is_counter(&self) -> bool {
        matches!(self, Family::Gathered(f) if f.get_field_type() == MetricType::COUNTER)
    }

    fn is_gauge(&self) -> bool {
        match self {
            Family::Gathered(f) => f.get_field_type() == MetricType::GAUGE,
            Family::Report(..) => true,
        }
    }

    /// `TYPE` as the text format names it (the prometheus crate's words).
    fn text_type(&self) -> &'static str {
        match self {
            Family::Gathered(f) => match f.get_field_type() {
                MetricType::COUNTER => "counter",
                MetricType::GAUGE => "gauge",
                MetricType::SUMMARY => "summary",
                MetricType::HISTOGRAM => "histogram",
                MetricType::UNTYPED => "untyped",
            },
            Family::Report(..) => "gauge",
        }
    }

    /// Write the family in the text format (0.0.4); returns where it is.
    fn write_text(&self, out: &mut String) -> Spans {
        let family_start = out.len();
        let name = self.name();
        let help = self.help();
        if !help.is_empty() {
            out.push_str("# HELP ");
            out.push_str(name);
            out.push(' ');
            escape_help(out, help);
            out.push('\n');
        }
        out.push_str("# TYPE ");
        out.push_str(name);
        out.push(' ');
        out.push_str(self.text_type());
        out.push('\n');
        let start = out.len();
        match self {
            Family::Gathered(f) => {
                let counter = f.get_field_type() == MetricType::COUNTER;
                for m in f.get_metric() {
                    let pairs: Vec<(&str, &str)> = m
                        .get_label()
                        .iter()
                        .map(|l| (l.name(), l.value()))
                        .collect();
                    let v = if counter {
                        m.get_counter().get_value()
                    } else {
                        m.get_gauge().get_value()
                    };
                    sample(out, name, &pairs, v);
                }
            }
            Family::Report(f, p) => p.write_samples(*f, out),
        }
        Spans {
            family: family_start..out.len(),
            samples: start..out.len(),
        }
    }
}

/// One sample line: `name{l1="v1",…} value`.
fn sample(out: &mut String, name: &str, pairs: &[(&str, &str)], value: f64) {
    use std::fmt::Write;
    out.push_str(name);
    let mut sep = '{';
    for (n, v) in pairs {
        out.push(sep);
        out.push_str(n);
        out.push_str("=\"");
        escape_label_into(out, v);
        out.push('"');
        sep = ',';
    }
    if !pairs.is_empty() {
        out.push('}');
    }
    out.push(' ');
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{value}");
    }
    out.push('\n');
}

/// Label values escape `\\`, `"` and newlines.
fn escape_label_into(out: &mut String, v: &str) {
    if !v.contains(['\\', '"', '\n']) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
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
    families: &[Family<'_>],
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
        if f.is_gauge() && !f.help().is_empty() {
            push_text(&mut segs, sp.family.clone());
            continue;
        }
        let (ty, base) = if f.is_counter() {
            ("counter", name.strip_suffix("_total").unwrap_or(name))
        } else if f.is_gauge() {
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
        if f.is_counter() && base == name {
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

    /// The renderer this module had before: every series a registry child,
    /// encoded by the prometheus crate. The direct writer must give the
    /// same bytes.
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
                "1 if a configured route selects this credential, or would were it not expired or unusable.",
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
            let alerted = super::in_use_set(r);
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
                in_use.with_label_values(&l).set(
                    if c.in_use || alerted.contains(&(c.agent.as_str(), c.profile.as_str())) {
                        1.0
                    } else {
                        0.0
                    },
                );
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
            release: Default::default(),
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
    fn direct_rendering_matches_the_registry_rendering() {
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
            release: Default::default(),
            agents: vec![],
            external: vec![],
            ..awkward_report()
        };
        let (new, old) = (m.render(Some(&empty)), reference::render(&m, Some(&empty)));
        assert_eq!(new.text, old.text);
        assert_eq!(new.openmetrics(), help_first(&old.openmetrics));
    }

    #[test]
    fn direct_rendering_matches_on_a_large_home() {
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
            release: Default::default(),
            agents,
            ..awkward_report()
        };
        let m = metrics_with_counters();
        let (new, old) = (m.render(Some(&r)), reference::render(&m, Some(&r)));
        assert_eq!(new.text, old.text);
        assert_eq!(new.openmetrics(), help_first(&old.openmetrics));
        // A second render reserves from the first one's length.
        assert_eq!(m.render(Some(&r)).text, old.text);
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
            r.text.contains("clawwatch_build_info{revision="),
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
