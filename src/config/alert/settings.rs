//! The `[alert]` table itself and the policy it gives the planner.

use super::channels::{AlertmanagerConfig, CommandConfig, EmailConfig, NtfyConfig, WebhookConfig};
use super::duration;
use clawwatch_core::alert::{AlertPolicy, ChannelPolicy, Severity};
use clawwatch_core::doctor::Level;
use serde::Deserialize;
use std::time::Duration;

const HOUR: u64 = 3600;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// "" = $XDG_STATE_HOME/clawwatch/alert-state.json
    /// (else ~/.local/state/clawwatch/alert-state.json).
    pub state_file: String,
    /// The host every notice names (Alertmanager's `host` label, the
    /// webhook's `host`, the mail subject, ntfy's title, `{host}`); "" =
    /// this machine's hostname. Set it where the hostname says nothing
    /// (a phone's `localhost`).
    pub host: String,
    /// Re-notify while still failing.
    #[serde(deserialize_with = "duration::repeat_every")]
    pub repeat_every: Duration,
    pub send_resolved: bool,
    /// Each crossing escalates once; expired/missing always notify.
    #[serde(deserialize_with = "duration::thresholds")]
    pub thresholds: Vec<Duration>,
    /// Which doctor findings of each cycle alert: "error" (default),
    /// "warning" (errors and warnings) or "off".
    pub doctor: DoctorAlerts,
    pub email: Vec<EmailConfig>,
    pub webhook: Vec<WebhookConfig>,
    pub ntfy: Vec<NtfyConfig>,
    pub alertmanager: Vec<AlertmanagerConfig>,
    pub command: Vec<CommandConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            state_file: String::new(),
            host: String::new(),
            repeat_every: Duration::from_secs(12 * HOUR),
            send_resolved: true,
            thresholds: vec![
                Duration::from_secs(7 * 24 * HOUR),
                Duration::from_secs(24 * HOUR),
                Duration::from_secs(2 * HOUR),
            ],
            doctor: DoctorAlerts::Error,
            email: vec![],
            webhook: vec![],
            ntfy: vec![],
            alertmanager: vec![],
            command: vec![],
        }
    }
}

impl AlertConfig {
    /// The planner's policy: these thresholds and windows, every channel
    /// in config order.
    pub fn policy(&self) -> AlertPolicy {
        AlertPolicy::new(
            &self.thresholds,
            self.repeat_every,
            self.send_resolved,
            self.doctor.min_severity(),
        )
        .with_channels(
            channel_names(self)
                .into_iter()
                .map(|(name, min_severity)| ChannelPolicy { name, min_severity })
                .collect(),
        )
    }
}

/// Which doctor findings become alerts.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DoctorAlerts {
    Off,
    #[default]
    Error,
    Warning,
}

impl DoctorAlerts {
    /// The least severe finding that alerts (None: off).
    pub fn min_severity(self) -> Option<Level> {
        match self {
            DoctorAlerts::Off => None,
            DoctorAlerts::Error => Some(Level::Error),
            DoctorAlerts::Warning => Some(Level::Warning),
        }
    }
}

/// Every channel's name, in config order (email, webhook, ntfy,
/// alertmanager, command).
pub fn channel_names(cfg: &AlertConfig) -> Vec<(String, Severity)> {
    let mut out = Vec::new();
    out.extend(cfg.email.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(cfg.webhook.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(cfg.ntfy.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(
        cfg.alertmanager
            .iter()
            .map(|c| (c.name.clone(), c.min_severity)),
    );
    out.extend(cfg.command.iter().map(|c| (c.name.clone(), c.min_severity)));
    out
}
