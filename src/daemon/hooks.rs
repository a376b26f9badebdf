//! The stateful parts of a cycle besides the metrics: the notifier (alert
//! channels and heartbeat), doctor (its probe memory) and the database
//! connections kept between cycles.

use super::settings::Settings;
use crate::doctor::cycle::DoctorCycle;
use crate::output::metrics::Metrics;
use crate::sources;
use clawwatch_core::ports::Notifier;
use std::collections::BTreeMap;

/// How many store databases the daemon keeps open between cycles: the
/// state DB and the first agent DBs (each costs a descriptor or two).
pub const KEPT_CONNECTIONS: usize = 4;

/// The stateful parts of a cycle besides the metrics: the notifier and
/// doctor (its probe memory). Both are optional.
#[derive(Default)]
pub struct Hooks {
    pub notifier: Option<NotifierBox>,
    pub doctor: Option<DoctorCycle>,
    /// Database connections kept between cycles.
    pub connections: sources::Connections,
}

impl Hooks {
    /// What the settings ask for: alert channels or a heartbeat, and doctor
    /// unless `[doctor] enabled = false`.
    pub fn from_settings(
        settings: &Settings,
        metrics: &Metrics,
        env: &std::collections::BTreeMap<String, String>,
    ) -> Hooks {
        Hooks {
            notifier: default_notifier(settings, metrics, env),
            doctor: DoctorCycle::from_config(&settings.config, env),
            connections: sources::Connections::keep(KEPT_CONNECTIONS),
        }
    }
}

pub type NotifierBox = Box<dyn Notifier>;

/// The notifier a config asks for (alert channels and heartbeat), if any.
/// A config with neither gets none, so nothing writes alert state.
pub fn default_notifier(
    settings: &Settings,
    metrics: &Metrics,
    env: &BTreeMap<String, String>,
) -> Option<NotifierBox> {
    let a = &settings.config.alert;
    let channels =
        a.email.len() + a.webhook.len() + a.ntfy.len() + a.alertmanager.len() + a.command.len();
    if channels == 0 && settings.config.heartbeat.url.trim().is_empty() {
        return None;
    }
    match crate::alert::Alerter::new(a, &settings.config.heartbeat, env, metrics.alert_metrics()) {
        Ok(alerter) => Some(Box::new(alerter)),
        Err(e) => {
            tracing::error!("alerts are off: {e}");
            None
        }
    }
}
