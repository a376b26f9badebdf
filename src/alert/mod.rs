//! Alerting: a pure planner, persisted state, and one module per channel.
//!
//! [`Alerter::cycle`] is the imperative shell around the pure
//! [`planner::plan`]: load the state file, plan, save the plan (so a crash
//! never loses a planned notice), deliver the outbox channel by channel in
//! parallel (saving after every accepted notice, so a restart re-sends at
//! most the one notice whose acceptance was not yet written), re-post
//! firing alerts to Alertmanager, save. One channel's failure never blocks
//! another; a failing channel backs off exponentially (1 min doubling to
//! 1 h) and its notices wait in the outbox.

pub mod alertmanager;
pub mod channel;
pub mod command;
pub mod config;
pub mod email;
pub mod heartbeat;
pub mod message;
pub mod metrics;
pub mod ntfy;
pub mod planner;
pub mod state;
pub mod types;
pub mod webhook;

pub use channel::{Channel, SendError};
pub use metrics::AlertMetrics;
pub use planner::{AlertPolicy, plan};
pub use state::AlertState;
pub use types::{AlertKey, NoticeKind, Notification, Severity};

use chrono::{DateTime, Utc};
use message::Ctx;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// First retry delay of a failing channel; doubles per failure.
pub const BACKOFF_BASE_MS: i64 = 60_000;
/// Longest delay between retries of a failing channel.
pub const BACKOFF_MAX_MS: i64 = 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alert config: {0}")]
    Config(String),
    #[error("alert channel {channel:?}: {message}")]
    Channel { channel: String, message: String },
}

/// What one cycle did, for logs.
#[derive(Debug, Clone, Default)]
pub struct CycleOutcome {
    /// Notices the planner made this cycle.
    pub notices: Vec<Notification>,
    /// Deliveries a channel accepted (Alertmanager refreshes not counted).
    pub delivered: usize,
    /// Failed deliveries (transient or permanent).
    pub failed: usize,
    /// Channel deliveries still waiting in the outbox.
    pub pending: usize,
    /// Problems worth a log line (state file, channels, dropped notices).
    pub errors: Vec<String>,
}

impl CycleOutcome {
    /// One log line per problem, and a summary at info level.
    pub fn log(&self) {
        for e in &self.errors {
            tracing::warn!("{e}");
        }
        if !self.notices.is_empty() || self.delivered > 0 || self.failed > 0 || self.pending > 0 {
            tracing::info!(
                planned = self.notices.len(),
                delivered = self.delivered,
                failed = self.failed,
                pending = self.pending,
                "alert cycle"
            );
        }
        for n in &self.notices {
            tracing::debug!(
                id = n.id,
                kind = n.kind.as_str(),
                severity = n.severity.as_str(),
                alert = %n.key.slug(),
                "notice planned"
            );
        }
    }
}

/// The backoff after `failures` consecutive failures.
pub fn backoff_ms(failures: u32) -> i64 {
    let shift = failures.saturating_sub(1).min(20);
    (BACKOFF_BASE_MS << shift).min(BACKOFF_MAX_MS)
}

/// This machine's name (for message bodies).
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

fn build_channels(
    cfg: &config::AlertConfig,
    env: &BTreeMap<String, String>,
) -> Result<Vec<Box<dyn Channel>>, AlertError> {
    let err = |name: &str| {
        let channel = name.to_string();
        move |message: String| AlertError::Channel {
            channel: channel.clone(),
            message,
        }
    };
    let mut out: Vec<Box<dyn Channel>> = Vec::new();
    for c in &cfg.email {
        out.push(Box::new(
            email::EmailChannel::new(c, env).map_err(err(&c.name))?,
        ));
    }
    for c in &cfg.webhook {
        out.push(Box::new(
            webhook::WebhookChannel::new(c).map_err(err(&c.name))?,
        ));
    }
    for c in &cfg.ntfy {
        out.push(Box::new(ntfy::NtfyChannel::new(c).map_err(err(&c.name))?));
    }
    for c in &cfg.alertmanager {
        out.push(Box::new(
            alertmanager::AlertmanagerChannel::new(c).map_err(err(&c.name))?,
        ));
    }
    for c in &cfg.command {
        out.push(Box::new(
            command::CommandChannel::new(c).map_err(err(&c.name))?,
        ));
    }
    Ok(out)
}

impl Alerter {
    /// Build the channels (reading secret files) and resolve the state
    /// file: "" = $XDG_STATE_HOME/clawwatch/alert-state.json, else
    /// ~/.local/state/clawwatch/alert-state.json (`env` is the process
    /// environment).
    pub fn new(
        cfg: &config::AlertConfig,
        heartbeat: &crate::config::HeartbeatConfig,
        env: &BTreeMap<String, String>,
        metrics: Option<AlertMetrics>,
    ) -> Result<Alerter, AlertError> {
        let policy = AlertPolicy::from_config(cfg).map_err(AlertError::Config)?;
        let state_path = state::resolve_path(&cfg.state_file, env).map_err(AlertError::Config)?;
        let channels = build_channels(cfg, env)?;
        let mut a = Alerter::with_channels(policy, state_path, channels, metrics);
        a.heartbeat_url = heartbeat.url.trim().to_string();
        Ok(a)
    }

    /// An alerter over given channels (tests, embedding). The policy's
    /// channel list is taken from `channels`.
    pub fn with_channels(
        mut policy: AlertPolicy,
        state_path: PathBuf,
        channels: Vec<Box<dyn Channel>>,
        metrics: Option<AlertMetrics>,
    ) -> Alerter {
        policy.channels = channels
            .iter()
            .map(|c| planner::ChannelPolicy {
                name: c.name().to_string(),
                min_severity: c.min_severity(),
            })
            .collect();
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
    pub fn cycle(
        &mut self,
        report: &clawwatch_core::model::Report,
        now: DateTime<Utc>,
    ) -> CycleOutcome {
        self.cycle_with_findings(report, &[], now)
    }

    /// [`Alerter::cycle`] with this cycle's doctor findings (alerted as
    /// `[alert] doctor` says).
    pub fn cycle_with_findings(
        &mut self,
        report: &clawwatch_core::model::Report,
        findings: &[clawwatch_core::doctor::Finding],
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
        &self,
        report: &clawwatch_core::model::Report,
        findings: &[clawwatch_core::doctor::Finding],
        now: DateTime<Utc>,
    ) -> CycleOutcome {
        let now_ms = now.timestamp_millis();
        let mut out = CycleOutcome::default();
        let _lock = match state::lock(&self.state_path) {
            Ok(l) => {
                crate::fsutil::remove_stale_temps(&self.state_path);
                Some(l)
            }
            Err(e) => {
                out.errors.push(e);
                None
            }
        };
        let loaded = state::load(&self.state_path, now_ms);
        out.errors.extend(loaded.problem);
        for e in planner::expired_notices(&loaded.state, now, &self.policy) {
            out.errors.push(format!(
                "gave up on notice {} ({} {}) for {}: not accepted within {}",
                e.notice.id,
                e.notice.kind.as_str(),
                e.notice.key.slug(),
                e.pending.keys().cloned().collect::<Vec<_>>().join(", "),
                message::words(self.policy.max_pending_ms)
            ));
        }
        let mut obs = planner::observe(report, &self.policy);
        planner::observe_findings(&mut obs, findings, report, &self.policy);
        let (notices, next) = planner::plan_observed(&obs, &loaded.state, now, &self.policy);
        out.notices = notices;
        // Save the plan first: from here on a crash loses nothing.
        if let Err(e) = state::save(&self.state_path, &next) {
            out.errors.push(e);
        }
        let shared = Mutex::new(next);
        let stats = Mutex::new(&mut out);
        self.deliver(&shared, now, &stats);
        let out = stats.into_inner().unwrap_or_else(|p| p.into_inner());
        let st = shared.into_inner().unwrap_or_else(|p| p.into_inner());
        out.pending = st.outbox.iter().map(|e| e.pending.len()).sum();
        if let Err(e) = state::save(&self.state_path, &st) {
            out.errors.push(e);
        }
        std::mem::take(out)
    }

    /// Deliver the outbox: each channel on its own thread, in notice order.
    fn deliver(
        &self,
        shared: &Mutex<AlertState>,
        now: DateTime<Utc>,
        stats: &Mutex<&mut CycleOutcome>,
    ) {
        let now_ms = now.timestamp_millis();
        let ctx = Ctx::new(self.host.clone(), now);
        let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
        let note = |f: &dyn Fn(&mut CycleOutcome)| {
            let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s);
        };
        let save = |st: &AlertState| {
            if let Err(e) = state::save(&self.state_path, st) {
                note(&|o| o.errors.push(e.clone()));
            }
        };
        let count_failure = |name: &str, e: &SendError| {
            if let Some(m) = &self.metrics {
                m.failed(name);
            }
            note(&|o| {
                o.failed += 1;
                o.errors.push(format!("alert channel {name}: {e}"));
            });
        };
        let run_channel = |ch: &dyn Channel| {
            let name = ch.name();
            let queue: Vec<Notification> = {
                let st = lock();
                if st.backing_off(name, now_ms) {
                    return;
                }
                let mut q: Vec<Notification> = st
                    .outbox
                    .iter()
                    .filter(|e| e.pending.contains_key(name))
                    .map(|e| e.notice.clone())
                    .collect();
                q.sort_by_key(|n| n.id);
                q
            };
            let mut healthy = true;
            for n in &queue {
                let res =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.send(n, &ctx)))
                        .unwrap_or_else(|_| Err(SendError::transient("the channel panicked")));
                let mut st = lock();
                match &res {
                    Ok(()) => {
                        st.accepted(n, name, now_ms);
                        if let Some(m) = &self.metrics {
                            m.sent(name, n.severity.as_str(), now_ms as f64 / 1000.0);
                        }
                        note(&|o| o.delivered += 1);
                        // Written at once: a restart re-sends at most the
                        // notice being sent right now.
                        save(&st);
                    }
                    Err(e) => {
                        st.failed(n, name, &e.message, e.transient, now_ms, backoff_ms);
                        count_failure(name, e);
                        if e.transient {
                            healthy = false;
                            break;
                        }
                    }
                }
            }
            if healthy && ch.wants_refresh() {
                let firing: Vec<Notification> = {
                    let st = lock();
                    st.alerts
                        .values()
                        .filter(|r| r.firing && r.believed_firing && r.delivered.contains(name))
                        .filter(|r| r.severity >= ch.min_severity())
                        .map(|r| r.current.clone())
                        .collect()
                };
                if let Err(e) = ch.refresh(&firing, &ctx) {
                    lock().channel_failed(name, &e.message, e.transient, now_ms, backoff_ms);
                    count_failure(name, &e);
                }
            }
        };
        std::thread::scope(|s| {
            for ch in &self.channels {
                let run = &run_channel;
                s.spawn(move || run(ch.as_ref()));
            }
        });
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
        let now = Utc::now();
        let ctx = Ctx::new(self.host.clone(), now);
        if let Some(name) = channel
            && !self.channels.iter().any(|c| c.name() == name)
        {
            let known: Vec<&str> = self.channels.iter().map(|c| c.name()).collect();
            return vec![(
                name.to_string(),
                Err(format!(
                    "no channel named {name:?} (configured: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )),
            )];
        }
        let n = test_notice(&self.host, now);
        self.channels
            .iter()
            .filter(|c| channel.is_none_or(|name| c.name() == name))
            .map(|c| {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.send(&n, &ctx)))
                    .unwrap_or_else(|_| Err(SendError::transient("the channel panicked")));
                match &r {
                    Ok(()) => {
                        if let Some(m) = &self.metrics {
                            m.sent(c.name(), "test", now.timestamp_millis() as f64 / 1000.0);
                        }
                    }
                    Err(_) => {
                        if let Some(m) = &self.metrics {
                            m.failed(c.name());
                        }
                    }
                }
                (c.name().to_string(), r.map_err(|e| e.message))
            })
            .collect()
    }
}

/// The daemon's hook: each cycle's report, then the heartbeat. Problems are
/// logged (`CycleOutcome::log`); nothing here fails the cycle.
impl clawwatch_core::ports::Notifier for Alerter {
    fn cycle(
        &mut self,
        report: &clawwatch_core::model::Report,
        findings: &[clawwatch_core::doctor::Finding],
        now: DateTime<Utc>,
    ) {
        Alerter::cycle_with_findings(self, report, findings, now).log();
    }

    fn heartbeat(&mut self, exit_code: i32) {
        Alerter::heartbeat(self, exit_code);
    }
}

/// The notice `clawwatch alert test` sends.
pub fn test_notice(host: &str, now: DateTime<Utc>) -> Notification {
    let ms = now.timestamp_millis();
    Notification {
        id: 0,
        key: AlertKey {
            agent: String::new(),
            provider: String::new(),
            profile: String::new(),
            condition: "test".into(),
        },
        kind: NoticeKind::Test,
        severity: Severity::Warning,
        previous_severity: None,
        state: "test".into(),
        cred_type: String::new(),
        source: String::new(),
        expires_at_ms: None,
        threshold_ms: None,
        since_ms: ms,
        planned_at_ms: ms,
        message: format!(
            "This is a test notice from clawwatch on {host}: alerts reach this channel."
        ),
        fix: String::new(),
    }
}

/// `clawwatch alert test [--channel NAME] [--config FILE]`: (stdout text,
/// exit code): 0 when every channel tried accepted the notice, 1 otherwise
/// (also when none is configured). A config or channel setup problem is an
/// `Err` (clawwatch's own failure, exit 3).
pub fn test_command(
    config: Option<&Path>,
    channel: Option<&str>,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<(String, i32)> {
    let (cfg, _) = crate::config::load(config, env)?;
    let alerter = Alerter::new(&cfg.alert, &cfg.heartbeat, env, None)?;
    let kinds: BTreeMap<String, &str> = alerter.channels().into_iter().collect();
    let results = alerter.test(channel);
    if results.is_empty() {
        return Ok((
            "no alert channels configured (add [[alert.email]], [[alert.webhook]], [[alert.ntfy]], [[alert.alertmanager]] or [[alert.command]])\n".into(),
            1,
        ));
    }
    let mut text = String::new();
    let mut code = 0;
    for (name, r) in &results {
        let kind = kinds.get(name).copied().unwrap_or("?");
        match r {
            Ok(()) => text.push_str(&format!("ok    {name} ({kind})\n")),
            Err(e) => {
                code = 1;
                text.push_str(&format!("FAIL  {name} ({kind}): {e}\n"));
            }
        }
    }
    Ok((text, code))
}
