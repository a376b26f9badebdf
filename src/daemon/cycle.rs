//! One cycle: read every source, evaluate every configured agent, run
//! doctor, update the metrics, hand the report to the notifier (alerts,
//! heartbeat), write the textfile.

use super::hooks::Hooks;
use super::settings::Settings;
use crate::output::metrics::{Metrics, Rendered};
use crate::sources::{self, HostEnv, ReadOptions};
use chrono::{DateTime, Utc};
use clawwatch_core::model::Report;

/// The outcome of one cycle.
pub struct CycleResult {
    pub report: Report,
    pub rendered: Rendered,
    pub exit_code: i32,
    pub textfile_error: Option<String>,
}

/// The verdict as the logs show it (a plain word, as in `status --json`).
fn verdict_word(v: clawwatch_core::model::Verdict) -> &'static str {
    use clawwatch_core::model::Verdict;
    match v {
        Verdict::Ok => "ok",
        Verdict::Expiring => "expiring",
        Verdict::Failing => "failing",
    }
}

/// One cycle, blocking: read, evaluate, doctor, record metrics, notify,
/// textfile.
pub fn run_cycle(
    settings: &Settings,
    host: &HostEnv,
    metrics: &Metrics,
    hooks: &mut Hooks,
    now: DateTime<Utc>,
) -> CycleResult {
    let started = std::time::Instant::now();
    let snap = sources::read_snapshot(
        host,
        &ReadOptions {
            state_dir: settings.state_dir.clone(),
            agents: settings.policy.agents.clone(),
            release: settings.release.clone(),
        },
        &hooks.connections,
    );
    for p in &snap.problems {
        tracing::warn!(
            source = p.source.as_str(),
            reason = p.reason.as_str(),
            path = p.path.as_deref().unwrap_or(""),
            "{}",
            p.message
        );
    }
    let report = clawwatch_core::evaluate(&snap, now.timestamp_millis(), &settings.policy);
    let doctor = hooks.doctor.as_mut().map(|d| {
        d.run(
            &snap,
            &report,
            host,
            &settings.config,
            settings.config_path.as_deref(),
            now,
        )
    });
    drop(snap);
    if let (Some(d), Some(m)) = (&doctor, metrics.doctor_metrics()) {
        m.record(d);
    }
    let findings = doctor.map(|d| d.findings).unwrap_or_default();
    let exit_code = report.verdict.openclaw_code();
    if let Some(n) = hooks.notifier.as_deref_mut() {
        n.cycle(&report, &findings, now);
    }
    let finished = Utc::now();
    metrics.record_cycle(
        Some(&report),
        finished.timestamp_millis() as f64 / 1000.0,
        started.elapsed().as_secs_f64(),
    );
    let rendered = metrics.render(Some(&report));
    let textfile_error = settings.textfile.as_ref().and_then(|p| {
        crate::output::textfile::write_atomic(p, &rendered.text)
            .err()
            .map(|e| format!("cannot write textfile {}: {e}", p.display()))
    });
    if let Some(e) = &textfile_error {
        tracing::error!("{e}");
    }
    if let Some(n) = hooks.notifier.as_deref_mut() {
        n.heartbeat(exit_code);
    }
    tracing::info!(
        verdict = verdict_word(report.verdict),
        agents = report.agents.len(),
        problems = report.problems().count(),
        doctor_findings = findings.len(),
        duration_ms = started.elapsed().as_millis() as u64,
        "cycle done"
    );
    CycleResult {
        report,
        rendered,
        exit_code,
        textfile_error,
    }
}
