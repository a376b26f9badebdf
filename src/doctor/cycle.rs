//! Doctor inside the agent: each `run` cycle and each `once` computes the
//! read-only findings of `clawwatch doctor` from the cycle's own snapshot
//! and report (no second read of the stores). With `[doctor] probe = true`
//! the live provider probe runs too, on its own schedule (default hourly),
//! however often the check schedule fires: it uses the network and the
//! providers' rate limits. The last probe (time and answers, no secrets) is
//! kept in `probe-state.json` beside the alert state, so `once` from a timer
//! and a restarted daemon honour the probe schedule as well. That file also
//! remembers which findings earlier cycles saw, so a finding fixed since is
//! exported at 0 (the state set `run`'s /metrics keeps) by `once` and after
//! a restart too, until a week after it was last seen.

use super::gather::{self, Options};
use super::probe;
use crate::config::Config;
use crate::config::doctor::DoctorConfig;
use crate::schedule::Schedule;
use crate::sources::HostEnv;
use chrono::{DateTime, Utc};
pub use clawwatch_core::doctor::memory::PROBE_STATE_VERSION;
use clawwatch_core::doctor::probe::{ProbeResult, ProbeTarget, plan};
use clawwatch_core::doctor::{FindingLabels, ProbeMemory, finding_labels, findings, verdict};
use clawwatch_core::model::{Report, Snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What doctor found in one cycle (the core's plain struct).
pub use clawwatch_core::doctor::DoctorOutcome;

/// The probe state file's name, beside the alert state file.
pub const PROBE_STATE_FILE: &str = "probe-state.json";

/// Sends the probe requests (the network in production, a stub in tests).
pub type Prober = Box<dyn FnMut(&[ProbeTarget]) -> Vec<ProbeResult> + Send>;

/// Whether the probe is due at `now`: never probed, a fire time of its
/// schedule passed since the last probe, or the clock went back behind it.
pub fn probe_due(schedule: &Schedule, last_ms: Option<i64>, now: DateTime<Utc>) -> bool {
    let Some(last) = last_ms.and_then(DateTime::<Utc>::from_timestamp_millis) else {
        return true;
    };
    if last > now {
        return true;
    }
    schedule.next_after(last).is_some_and(|next| next <= now)
}

pub struct DoctorCycle {
    probe_schedule: Option<Schedule>,
    memory_path: Option<PathBuf>,
    memory: Option<ProbeMemory>,
    prober: Prober,
}

impl std::fmt::Debug for DoctorCycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoctorCycle")
            .field(
                "probe_schedule",
                &self.probe_schedule.as_ref().map(|s| s.as_str()),
            )
            .field("memory_path", &self.memory_path)
            .finish()
    }
}

/// The real prober: the providers over HTTPS, 10 s per request.
pub fn network_prober() -> Prober {
    Box::new(|targets| probe::execute(targets, Duration::from_secs(10)))
}

/// `probe-state.json` beside the alert state file (None when neither
/// XDG_STATE_HOME nor HOME is known: the probe memory stays in memory).
pub fn memory_path(config: &Config, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    crate::alert::state_file::resolve_path(&config.alert.state_file, env)
        .ok()
        .map(|p| p.with_file_name(PROBE_STATE_FILE))
}

fn load_memory(path: &Path) -> ProbeMemory {
    match crate::fsutil::read_bounded(path, 16 * 1024 * 1024) {
        Ok(bytes) => match serde_json::from_slice::<ProbeMemory>(&bytes) {
            Ok(m) if m.version == PROBE_STATE_VERSION => m,
            Ok(m) => {
                tracing::warn!(
                    path = %path.display(),
                    version = m.version,
                    "probe state of another version; probing afresh"
                );
                ProbeMemory::default()
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "probe state unreadable ({e}); probing afresh");
                ProbeMemory::default()
            }
        },
        Err(crate::fsutil::ReadError::NotFound) => ProbeMemory::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), "cannot read probe state ({e}); probing afresh");
            ProbeMemory::default()
        }
    }
}

impl DoctorCycle {
    /// `probe_schedule`: Some when `[doctor] probe = true`.
    pub fn new(
        probe_schedule: Option<Schedule>,
        memory_path: Option<PathBuf>,
        prober: Prober,
    ) -> Self {
        DoctorCycle {
            probe_schedule,
            memory_path,
            memory: None,
            prober,
        }
    }

    /// From the agent's config (the network prober); None when
    /// `[doctor] enabled = false`.
    pub fn from_config(config: &Config, env: &BTreeMap<String, String>) -> Option<Self> {
        if !config.doctor.enabled {
            return None;
        }
        let schedule = config
            .doctor
            .probe
            .then(|| Schedule::parse(&config.doctor.probe_schedule, &config.check.timezone).ok())
            .flatten();
        Some(DoctorCycle::new(
            schedule,
            memory_path(config, env),
            network_prober(),
        ))
    }

    /// The probe memory, probing first when due. Pure apart from the
    /// prober and the state file.
    fn probe(
        &mut self,
        snap: &Snapshot,
        report: &Report,
        doctor: &DoctorConfig,
        now: DateTime<Utc>,
    ) -> Option<ProbeMemory> {
        let schedule = self.probe_schedule.clone()?;
        let memory = self.memory();
        if probe_due(&schedule, memory.last_probe_ms, now) {
            let targets = plan(snap, report, &doctor.base_urls);
            let results = (self.prober)(&targets);
            let memory = self.memory();
            memory.last_probe_ms = Some(now.timestamp_millis());
            memory.results = results;
            tracing::info!(targets = targets.len(), next = %schedule.next_after(now).map(|t| t.to_rfc3339()).unwrap_or_default(), "auth probe done");
            self.save();
        }
        Some(self.memory().clone())
    }

    /// The memory, read from the state file on first use.
    fn memory(&mut self) -> &mut ProbeMemory {
        let path = self.memory_path.as_deref();
        let memory = self
            .memory
            .get_or_insert_with(|| path.map(load_memory).unwrap_or_default());
        memory.version = PROBE_STATE_VERSION;
        memory
    }

    fn save(&mut self) {
        if let (Some(p), Some(m)) = (&self.memory_path, &self.memory)
            && let Err(e) = crate::fsutil::save_json(p, m, "probe state")
        {
            tracing::warn!("{e}");
        }
    }

    /// Doctor's findings for this cycle's snapshot and report.
    pub fn run(
        &mut self,
        snap: &Snapshot,
        report: &Report,
        host: &HostEnv,
        config: &Config,
        config_path: Option<&Path>,
        now: DateTime<Utc>,
    ) -> DoctorOutcome {
        let loaded = Ok((config.clone(), config_path.map(Path::to_path_buf)));
        let mut inputs = gather::gather(
            snap,
            report,
            host,
            Options {
                config_arg: config_path,
                loaded: &loaded,
                probe: false,
                doctor: &config.doctor,
                in_agent: true,
            },
        );
        let probe = self.probe(snap, report, &config.doctor, now);
        inputs.probes = probe.as_ref().map(|m| m.results.clone());
        let findings = findings(snap, report, &inputs);
        // `clawwatch doctor`'s exit code: 0 ok, 2 warnings only, 1 an error.
        let status = verdict(&findings).openclaw_code();
        let current: Vec<FindingLabels> = findings.iter().map(finding_labels).collect();
        let (gone, changed) = self
            .memory()
            .note_findings(&current, now.timestamp_millis());
        if changed {
            self.save();
        }
        DoctorOutcome {
            findings,
            status,
            probe,
            gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn probe_is_due_once_per_schedule_fire() {
        let hourly = Schedule::parse("0 * * * *", "").unwrap();
        let ms = |s| Some(at(s).timestamp_millis());
        assert!(probe_due(&hourly, None, at("2026-11-25T10:17:00Z")));
        assert!(!probe_due(
            &hourly,
            ms("2026-11-25T10:17:00Z"),
            at("2026-11-25T10:59:59Z")
        ));
        assert!(probe_due(
            &hourly,
            ms("2026-11-25T10:17:00Z"),
            at("2026-11-25T11:00:00Z")
        ));
        // The clock went back behind the last probe: probe again.
        assert!(probe_due(
            &hourly,
            ms("2026-11-25T12:00:00Z"),
            at("2026-11-25T10:00:00Z")
        ));
    }

    fn home_with_key() -> (tempfile::TempDir, HostEnv) {
        let d = tempfile::tempdir().unwrap();
        let oc = d.path().join(".openclaw");
        std::fs::create_dir_all(&oc).unwrap();
        std::fs::write(
            oc.join("openclaw.json"),
            r#"{"agents":{"defaults":{"model":{"primary":"anthropic/claude-sonnet-4-6"}}}}"#,
        )
        .unwrap();
        let mut vars = std::collections::BTreeMap::new();
        vars.insert("HOME".to_string(), d.path().display().to_string());
        vars.insert(
            "ANTHROPIC_API_KEY".to_string(),
            "sk-ant-api03-FAKE-cycle-0000000000000000".to_string(),
        );
        (
            d,
            HostEnv {
                vars,
                cwd: PathBuf::from("/"),
            },
        )
    }

    /// Probing runs at most once per its schedule however often the check
    /// schedule fires: a check every minute for three hours probes at the
    /// first cycle and then once per hour, and a restarted agent (a new
    /// DoctorCycle on the same state file) does not probe early.
    #[test]
    fn probing_follows_its_own_schedule_not_the_checks() {
        let (d, host) = home_with_key();
        let state = d.path().join("state").join(PROBE_STATE_FILE);
        let calls = Arc::new(Mutex::new(Vec::<String>::new()));
        let prober = |calls: Arc<Mutex<Vec<String>>>| -> Prober {
            Box::new(move |targets: &[ProbeTarget]| {
                calls
                    .lock()
                    .unwrap()
                    .push(format!("{} targets", targets.len()));
                vec![]
            })
        };
        let config = Config::default();
        let hourly = || Some(Schedule::parse("0 * * * *", "").unwrap());
        let mut dc = DoctorCycle::new(hourly(), Some(state.clone()), prober(calls.clone()));
        let opts = crate::sources::ReadOptions::default();
        let policy = clawwatch_core::model::Policy::default();
        let start = at("2026-11-25T10:00:30Z");
        for minute in 0..180 {
            let now = start + chrono::Duration::minutes(minute);
            let snap = crate::sources::read_snapshot(&host, &opts, &Default::default());
            let report = clawwatch_core::evaluate(&snap, now.timestamp_millis(), &policy);
            let out = dc.run(&snap, &report, &host, &config, None, now);
            assert!(out.probe.is_some());
        }
        // 10:00:30 (first cycle), 11:00:30, 12:00:30.
        assert_eq!(
            calls.lock().unwrap().len(),
            3,
            "{:?}",
            calls.lock().unwrap()
        );
        assert_eq!(calls.lock().unwrap()[0], "1 targets");
        // A restart at 12:40 reads the state file: not due until 13:00.
        let mut restarted = DoctorCycle::new(hourly(), Some(state), prober(calls.clone()));
        let snap = crate::sources::read_snapshot(&host, &opts, &Default::default());
        for now in [at("2026-11-25T12:40:00Z"), at("2026-11-25T12:59:59Z")] {
            let report = clawwatch_core::evaluate(&snap, now.timestamp_millis(), &policy);
            restarted.run(&snap, &report, &host, &config, None, now);
        }
        assert_eq!(calls.lock().unwrap().len(), 3);
        let now = at("2026-11-25T13:00:00Z");
        let report = clawwatch_core::evaluate(&snap, now.timestamp_millis(), &policy);
        restarted.run(&snap, &report, &host, &config, None, now);
        assert_eq!(calls.lock().unwrap().len(), 4);
        // Without [doctor] probe nothing is ever sent.
        let mut off = DoctorCycle::new(None, None, prober(calls.clone()));
        let out = off.run(&snap, &report, &host, &config, None, now);
        assert!(out.probe.is_none());
        assert_eq!(calls.lock().unwrap().len(), 4);
    }
}
