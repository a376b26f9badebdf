//! Doctor metrics of the agent's cycles (names in docs/metrics.md):
//! `openclaw_doctor_finding{agent,id,severity}` is a state set (1 while the
//! finding holds, 0 once it is gone: for the life of the process, and for a
//! week through the state file, so `once` and a restarted daemon too),
//! `openclaw_doctor_findings{severity}`, `openclaw_doctor_status`, and with
//! probing `openclaw_auth_probe_success{agent,provider,profile}` and
//! `openclaw_auth_probe_last_timestamp_seconds`. Label values are ids, agent
//! ids, provider names and hashed profile ids: never a message or a secret.

use clawwatch_core::doctor::{DoctorOutcome, ProbeMemory, finding_labels, summary};
use prometheus::{Gauge, GaugeVec, IntGauge, IntGaugeVec, Opts, Registry};
use std::collections::BTreeSet;
use std::sync::Mutex;

#[derive(Clone)]
pub struct DoctorMetrics {
    finding: GaugeVec,
    findings: IntGaugeVec,
    status: IntGauge,
    probe_success: GaugeVec,
    /// Registered at the first probe: without probing, no probe series.
    probe_last: std::sync::Arc<std::sync::OnceLock<Option<Gauge>>>,
    registry: Registry,
    seen: std::sync::Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    findings: BTreeSet<[String; 3]>,
    probes: BTreeSet<[String; 3]>,
}

impl DoctorMetrics {
    pub fn new(registry: &Registry) -> prometheus::Result<Self> {
        let finding = GaugeVec::new(
            Opts::new(
                "openclaw_doctor_finding",
                "Doctor finding state set: 1 while the finding holds, 0 once it is gone.",
            ),
            &["agent", "id", "severity"],
        )?;
        let findings = IntGaugeVec::new(
            Opts::new(
                "openclaw_doctor_findings",
                "Current doctor findings per severity.",
            ),
            &["severity"],
        )?;
        let status = IntGauge::new(
            "openclaw_doctor_status",
            "clawwatch doctor's exit code for the current findings (0 ok, 1 error, 2 warning).",
        )?;
        let probe_success = GaugeVec::new(
            Opts::new(
                "openclaw_auth_probe_success",
                "1 if the provider accepted the selected credential (after the gateway's key rotation) at the last probe.",
            ),
            &["agent", "provider", "profile"],
        )?;
        registry.register(Box::new(finding.clone()))?;
        registry.register(Box::new(findings.clone()))?;
        registry.register(Box::new(status.clone()))?;
        registry.register(Box::new(probe_success.clone()))?;
        for s in ["error", "warning", "info"] {
            findings.with_label_values(&[s]).set(0);
        }
        Ok(DoctorMetrics {
            finding,
            findings,
            status,
            probe_success,
            probe_last: Default::default(),
            registry: registry.clone(),
            seen: Default::default(),
        })
    }

    /// Record one cycle's doctor outcome.
    pub fn record(&self, out: &DoctorOutcome) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now: BTreeSet<[String; 3]> = out.findings.iter().map(finding_labels).collect();
        // Gone since an earlier cycle of this process, or (from the state
        // file) of an earlier `once` or before a restart.
        seen.findings.extend(out.gone.iter().cloned());
        for l in seen.findings.iter().filter(|l| !now.contains(*l)) {
            self.finding
                .with_label_values(&[&l[0], &l[1], &l[2]])
                .set(0.0);
        }
        for l in &now {
            self.finding
                .with_label_values(&[&l[0], &l[1], &l[2]])
                .set(1.0);
        }
        seen.findings.extend(now);
        let s = summary(&out.findings);
        self.findings
            .with_label_values(&["error"])
            .set(s.error as i64);
        self.findings
            .with_label_values(&["warning"])
            .set(s.warning as i64);
        self.findings
            .with_label_values(&["info"])
            .set(s.info as i64);
        self.status.set(out.status as i64);
        if let Some(probe) = &out.probe {
            self.record_probe(probe, &mut seen);
        }
    }

    fn probe_last(&self) -> Option<&Gauge> {
        self.probe_last
            .get_or_init(|| {
                let g = Gauge::new(
                    "openclaw_auth_probe_last_timestamp_seconds",
                    "When the live auth probe last ran (Unix time).",
                )
                .ok()?;
                self.registry.register(Box::new(g.clone())).ok()?;
                Some(g)
            })
            .as_ref()
    }

    /// The probe in effect: its time and each target's answer.
    fn record_probe(&self, probe: &ProbeMemory, seen: &mut Seen) {
        if let Some(ms) = probe.last_probe_ms
            && let Some(g) = self.probe_last()
        {
            g.set(ms as f64 / 1000.0);
        }
        let mut current = BTreeSet::new();
        for r in probe.results.iter().filter(|r| r.url.is_some()) {
            if r.attempts.is_empty() {
                continue; // nothing could be sent: no answer to report
            }
            let l = [
                r.agent.clone(),
                r.provider.clone(),
                r.selected
                    .as_deref()
                    .map(clawwatch_core::labels::label_safe)
                    .unwrap_or_default(),
            ];
            self.probe_success
                .with_label_values(&[&l[0], &l[1], &l[2]])
                .set(if r.success() { 1.0 } else { 0.0 });
            current.insert(l);
        }
        // A target no longer probed (its route was removed) loses its series.
        for l in seen.probes.iter().filter(|l| !current.contains(*l)) {
            let _ = self
                .probe_success
                .remove_label_values(&[&l[0], &l[1], &l[2]]);
        }
        seen.probes = current;
    }
}
