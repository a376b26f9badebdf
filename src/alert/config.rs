//! `[alert]` section of clawwatch.toml.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// "" = $XDG_STATE_HOME/clawwatch/alert-state.json
    pub state_file: String,
    /// Re-notify while still failing.
    pub repeat_every: String,
    pub send_resolved: bool,
    /// Each crossing escalates once; expired/missing always notify.
    pub thresholds: Vec<String>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            state_file: String::new(),
            repeat_every: "12h".into(),
            send_resolved: true,
            thresholds: vec!["7d".into(), "24h".into(), "2h".into()],
        }
    }
}

pub fn validate(cfg: &AlertConfig) -> Result<(), String> {
    crate::timefmt::parse_duration(&cfg.repeat_every)
        .map_err(|e| format!("alert.repeat_every: {e}"))?;
    for t in &cfg.thresholds {
        crate::timefmt::parse_duration(t).map_err(|e| format!("alert.thresholds: {e}"))?;
    }
    Ok(())
}
