//! [`Alerter::cycle`]: the imperative shell around the pure planner
//! ([`clawwatch_core::alert::plan`]): lock and load the state file, plan,
//! save the plan (so a crash never loses a planned notice), deliver the
//! outbox channel by channel in parallel, save.

use super::alertmanager::AlertmanagerChannel;
use super::channel::{Channel, SendError};
use super::command::CommandChannel;
use super::delivery::{Delivery, send_caught};
use super::email::EmailChannel;
use super::heartbeat;
use super::message::{Ctx, words};
use super::ntfy::NtfyChannel;
use super::outcome::CycleOutcome;
use super::state_file::{self, StatePathError};
use super::webhook::WebhookChannel;
use crate::config::alert::{AlertConfig, ConfigError, validate};
use crate::output::alert_metrics::AlertMetrics;
use chrono::{DateTime, Utc};
use clawwatch_core::alert::{
    AlertPolicy, AlertState, ChannelPolicy, Notification, Severity, expired_notices, observe,
    observe_findings, plan_observed,
};
use clawwatch_core::doctor::Finding;
use clawwatch_core::model::Report;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alert config: {0}")]
    Config(#[from] ConfigError),
    #[error("alert config: {0}")]
    StatePath(#[from] StatePathError),
    #[error("alert channel {channel:?}: {message}")]
    Channel { channel: String, message: String },
}

/// This machine's name (every notice's host unless `[alert] host` is set).
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at
    // most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
        if !name.is_empty() {
            return name;
        }
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

pub struct Alerter {
    policy: AlertPolicy,
    state_path: PathBuf,
    channels: Vec<Box<dyn Channel>>,
    metrics: Option<AlertMetrics>,
    heartbeat_url: String,
    host: String,
    /// The state after a cycle whose write failed: the next cycle plans
    /// from it, not from the stale file, so nothing is sent again
    /// (issue 17, finding 8).
    unsaved: Option<AlertState>,
}

impl std::fmt::Debug for Alerter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerter")
            .field("state_path", &self.state_path)
            .field(
                "channels",
                &self.channels.iter().map(|c| c.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Each configured channel, in config order (reading secret files). A
/// channel that cannot be built (a missing password file, a bad address)
/// is a [`BrokenChannel`]: logged, counted as failing, skipped — the others
/// deliver (issue 17, finding 4).
fn build_channels(cfg: &AlertConfig, env: &BTreeMap<String, String>) -> Vec<Box<dyn Channel>> {
    let mut out: Vec<Box<dyn Channel>> = Vec::new();
    let mut add = |built: Result<Box<dyn Channel>, BrokenChannel>| {
        out.push(built.unwrap_or_else(|b| {
            tracing::error!(
                channel = b.name.as_str(),
                "alert channel {:?} is broken and skipped (the other channels deliver): {}",
                b.name,
                b.reason
            );
            Box::new(b)
        }))
    };
    fn boxed<C: Channel + 'static>(
        built: Result<C, String>,
        (name, kind, min): (&str, &'static str, Severity),
    ) -> Result<Box<dyn Channel>, BrokenChannel> {
        built
            .map(|c| Box::new(c) as Box<dyn Channel>)
            .map_err(|reason| BrokenChannel {
                name: name.to_string(),
                kind,
                min_severity: min,
                reason,
            })
    }
    for c in &cfg.email {
        add(boxed(
            EmailChannel::new(c, env),
            (&c.name, "email", c.min_severity),
        ));
    }
    for c in &cfg.webhook {
        add(boxed(
            WebhookChannel::new(c),
            (&c.name, "webhook", c.min_severity),
        ));
    }
    for c in &cfg.ntfy {
        add(boxed(
            NtfyChannel::new(c),
            (&c.name, "ntfy", c.min_severity),
        ));
    }
    for c in &cfg.alertmanager {
        add(boxed(
            AlertmanagerChannel::new(c),
            (&c.name, "alertmanager", c.min_severity),
        ));
    }
    for c in &cfg.command {
        add(boxed(
            CommandChannel::new(c),
            (&c.name, "command", c.min_severity),
        ));
    }
    out
}

/// A configured channel that could not be built: every send fails
/// (transiently, so its notices wait in the outbox until a reload fixes
/// it) with the reason, which never holds a secret.
#[derive(Debug)]
pub struct BrokenChannel {
    pub name: String,
    pub kind: &'static str,
    pub min_severity: Severity,
    pub reason: String,
}

impl Channel for BrokenChannel {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn min_severity(&self) -> Severity {
        self.min_severity
    }
    fn send(&self, _: &Notification, _: &Ctx) -> Result<(), SendError> {
        Err(SendError::transient(format!(
            "the channel is misconfigured: {}",
            self.reason
        )))
    }
    fn broken(&self) -> Option<&str> {
        Some(&self.reason)
    }
}

/// What `run` could not use in the alert config, in words that never hold
/// a secret (`config check`): the state file's location, and each channel
/// [`Alerter::new`] would skip as broken.
pub fn config_problems(cfg: &AlertConfig, env: &BTreeMap<String, String>) -> Vec<String> {
    let channels = cfg.email.len()
        + cfg.webhook.len()
        + cfg.ntfy.len()
        + cfg.alertmanager.len()
        + cfg.command.len();
    let mut out = Vec::new();
    if channels > 0
        && let Err(e) = state_file::resolve_path(&cfg.state_file, env)
    {
        out.push(format!("alert state_file: {e}"));
    }
    for (name, why) in broken_channels(cfg, env) {
        out.push(format!("alert channel {name:?} cannot deliver: {why}"));
    }
    out
}

/// Each channel `run` could not use, with why (`config check`): what
/// [`Alerter::new`] would skip.
pub fn broken_channels(cfg: &AlertConfig, env: &BTreeMap<String, String>) -> Vec<(String, String)> {
    build_channels(cfg, env)
        .iter()
        .filter_map(|c| c.broken().map(|r| (c.name().to_string(), r.to_string())))
        .collect()
}

impl Alerter {
    /// Build the channels (reading secret files) and resolve the state
    /// file: "" = $XDG_STATE_HOME/clawwatch/alert-state.json, else
    /// ~/.local/state/clawwatch/alert-state.json (`env` is the process
    /// environment).
    pub fn new(
        cfg: &AlertConfig,
        heartbeat: &crate::config::HeartbeatConfig,
        env: &BTreeMap<String, String>,
        metrics: Option<AlertMetrics>,
    ) -> Result<Alerter, AlertError> {
        validate(cfg)?;
        let state_path = state_file::resolve_path(&cfg.state_file, env)?;
        let channels = build_channels(cfg, env);
        let mut a = Alerter::with_channels(cfg.policy(), state_path, channels, metrics);
        a.heartbeat_url = heartbeat.url.trim().to_string();
        if !cfg.host.trim().is_empty() {
            a.host = cfg.host.trim().to_string();
        }
        Ok(a)
    }

    /// An alerter over given channels (tests, embedding). The policy's
    /// channel list is taken from `channels`.
    pub fn with_channels(
        policy: AlertPolicy,
        state_path: PathBuf,
        channels: Vec<Box<dyn Channel>>,
        metrics: Option<AlertMetrics>,
    ) -> Alerter {
        let policy = policy.with_channels(
            channels
                .iter()
                .map(|c| ChannelPolicy {
                    name: c.name().to_string(),
                    min_severity: c.min_severity(),
                })
                .collect(),
        );
        if let Some(m) = &metrics {
            for c in &channels {
                m.init_channel(c.name());
            }
        }
        Alerter {
            policy,
            state_path,
            channels,
            metrics,
            heartbeat_url: String::new(),
            host: host_name(),
            unsaved: None,
        }
    }

    /// Use this host name in messages (tests).
    pub fn set_host(&mut self, host: impl Into<String>) {
        self.host = host.into();
    }

    pub fn state_path(&self) -> &Path {
        &self.state_path
    }

    pub fn policy(&self) -> &AlertPolicy {
        &self.policy
    }

    /// (name, kind) of each channel, in config order.
    pub fn channels(&self) -> Vec<(String, &'static str)> {
        self.channels
            .iter()
            .map(|c| (c.name().to_string(), c.kind()))
            .collect()
    }

    /// One alert cycle: load state, plan, deliver, persist. Blocking; never
    /// panics (a panic inside is caught and reported in `errors`).
    pub fn cycle(&mut self, report: &Report, now: DateTime<Utc>) -> CycleOutcome {
        self.cycle_with_findings(report, &[], now)
    }

    /// [`Alerter::cycle`] with this cycle's doctor findings (alerted as
    /// `[alert] doctor` says).
    pub fn cycle_with_findings(
        &mut self,
        report: &Report,
        findings: &[Finding],
        now: DateTime<Utc>,
    ) -> CycleOutcome {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.cycle_inner(report, findings, now)
        })) {
            Ok(o) => o,
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                CycleOutcome {
                    errors: vec![format!("alert cycle panicked: {what}")],
                    ..Default::default()
                }
            }
        }
    }

    fn cycle_inner(
        &mut self,
        report: &Report,
        findings: &[Finding],
        now: DateTime<Utc>,
    ) -> CycleOutcome {
        let mut out = CycleOutcome::default();
        let _lock = match state_file::lock(&self.state_path) {
            Ok(l) => {
                crate::fsutil::remove_stale_temps(&self.state_path);
                Some(l)
            }
            Err(e) => {
                out.errors.push(e.to_string());
                None
            }
        };
        let next = self.plan(report, findings, now, &mut out);
        // Save the plan first: from here on a crash loses nothing.
        self.save(&next, &mut out);
        let delivery = Delivery {
            state_path: &self.state_path,
            metrics: self.metrics.as_ref(),
            ctx: Ctx::new(self.host.clone(), now),
            state: Mutex::new(next),
            outcome: Mutex::new(out),
        };
        let (st, mut out) = delivery.run(&self.channels);
        out.pending = st.pending_deliveries();
        out.state_unsaved = false;
        self.save(&st, &mut out);
        self.unsaved = out.state_unsaved.then_some(st);
        out
    }

    /// Write the state; a failure is counted, logged and flagged.
    fn save(&self, st: &AlertState, out: &mut CycleOutcome) {
        if let Err(e) = state_file::save(&self.state_path, st) {
            if let Some(m) = &self.metrics {
                m.state_write_failed();
            }
            out.state_unsaved = true;
            out.errors.push(format!(
                "{e}; the alert state is held in memory until it can be written (no notice is sent twice)"
            ));
        }
    }

    /// Load the state and plan this cycle from it (the notices go to `out`,
    /// with the problems met and the notices given up).
    fn plan(
        &self,
        report: &Report,
        findings: &[Finding],
        now: DateTime<Utc>,
        out: &mut CycleOutcome,
    ) -> AlertState {
        let mut loaded = state_file::load(&self.state_path, now.timestamp_millis());
        out.errors
            .extend(loaded.problem.as_ref().map(ToString::to_string));
        if let Some(held) = &self.unsaved {
            // The file is older than what was planned and delivered since.
            loaded.state = held.clone();
        }
        for e in expired_notices(&loaded.state, now, &self.policy) {
            out.errors.push(format!(
                "gave up on notice {} ({} {}) for {}: not accepted within {}",
                e.notice.id,
                e.notice.kind.as_str(),
                e.notice.key.slug(),
                e.pending.keys().cloned().collect::<Vec<_>>().join(", "),
                words(self.policy.max_pending_ms)
            ));
        }
        let mut obs = observe(report, &self.policy);
        observe_findings(&mut obs, findings, report, &self.policy);
        let (notices, next) = plan_observed(&obs, &loaded.state, now, &self.policy);
        out.notices = notices;
        next
    }

    /// GET `<heartbeat.url>/<exit code>`; failures are logged, never fatal.
    pub fn heartbeat(&self, exit_code: i32) {
        if self.heartbeat_url.is_empty() {
            return;
        }
        if let Err(e) = heartbeat::ping(&self.heartbeat_url, exit_code, Duration::from_secs(10)) {
            tracing::warn!("{e}");
        }
    }

    /// Send a test notice through every channel (or the one named) and say,
    /// per channel, whether it was accepted. State is not touched.
    pub fn test(&self, channel: Option<&str>) -> Vec<(String, Result<(), String>)> {
        if let Some(name) = channel
            && !self.channels.iter().any(|c| c.name() == name)
        {
            let known: Vec<&str> = self.channels.iter().map(|c| c.name()).collect();
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return vec![(
                name.to_string(),
                Err(format!("no channel named {name:?} (configured: {known})")),
            )];
        }
        let now = Utc::now();
        let ctx = Ctx::new(self.host.clone(), now);
        let n = Notification::test(&self.host, now.timestamp_millis());
        self.channels
            .iter()
            .filter(|c| channel.is_none_or(|name| c.name() == name))
            .map(|c| {
                let r = send_caught(c.as_ref(), &n, &ctx);
                self.count_test(c.name(), &r, now);
                (c.name().to_string(), r.map_err(|e| e.message))
            })
            .collect()
    }

    fn count_test(&self, channel: &str, r: &Result<(), SendError>, now: DateTime<Utc>) {
        let Some(m) = &self.metrics else {
            return;
        };
        match r {
            Ok(()) => m.sent(channel, "test", now.timestamp_millis() as f64 / 1000.0),
            Err(_) => m.failed(channel),
        }
    }
}

/// The daemon's hook: each cycle's report, then the heartbeat. Problems are
/// logged (`CycleOutcome::log`); nothing here fails the cycle.
impl clawwatch_core::ports::Notifier for Alerter {
    fn cycle(&mut self, report: &Report, findings: &[Finding], now: DateTime<Utc>) {
        Alerter::cycle_with_findings(self, report, findings, now).log();
    }

    fn heartbeat(&mut self, exit_code: i32) {
        Alerter::heartbeat(self, exit_code);
    }
}
