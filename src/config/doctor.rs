//! `[doctor]` section of clawwatch.toml.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DoctorConfig {
    /// Compute doctor's findings in each `run`/`once` cycle (metrics, and
    /// alerts as `[alert] doctor` says).
    pub enabled: bool,
    /// Run the live provider probe from `run`/`once` (uses the network).
    pub probe: bool,
    /// How often the agent probes (cron), independent of [check] schedule.
    pub probe_schedule: String,
    /// Provider base URLs for the probe, e.g. anthropic = "https://api.anthropic.com".
    pub base_urls: BTreeMap<String, String>,
}

impl Default for DoctorConfig {
    fn default() -> Self {
        DoctorConfig {
            enabled: true,
            probe: false,
            probe_schedule: "0 * * * *".into(),
            base_urls: BTreeMap::new(),
        }
    }
}

pub fn validate(cfg: &DoctorConfig) -> Result<(), String> {
    crate::schedule::Schedule::parse(&cfg.probe_schedule, "")
        .map_err(|e| format!("doctor.probe_schedule: {e}"))?;
    for (provider, url) in &cfg.base_urls {
        super::url::require_https(
            &format!("doctor.base_urls.{provider}"),
            url,
            "the probe sends the provider's credential there",
        )?;
    }
    Ok(())
}
