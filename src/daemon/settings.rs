//! What the cycles run with: the config file's settings, with flags on top.

use crate::config::Config;
use crate::schedule::Schedule;
use clawwatch_core::model::{AgentScope, Policy};
use std::path::PathBuf;

/// Settings derived from the config (and flags) for the cycles.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub schedule: Schedule,
    pub policy: Policy,
    pub state_dir: Option<PathBuf>,
    pub textfile: Option<PathBuf>,
    pub listen: Option<std::net::SocketAddr>,
}

/// Flags that override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub state_dir: Option<PathBuf>,
    pub textfile: Option<PathBuf>,
    pub listen: Option<String>,
    /// Benchmarks only: run this many cycles back to back at start-up,
    /// logging the resident memory (and its peak so far) after 200 cycles
    /// and every 1,000.
    pub bench_cycles: u64,
}

impl Settings {
    pub fn from_config(
        config: Config,
        config_path: Option<PathBuf>,
        o: &Overrides,
    ) -> Result<Self, String> {
        let schedule = crate::config::check_schedule(&config)?;
        let warn = clawwatch_core::timefmt::parse_duration(&config.check.warn_within)
            .map_err(|e| format!("check.warn_within: {e}"))?;
        let agents = if config.agents.is_empty() {
            AgentScope::All
        } else {
            AgentScope::Only(config.agents.clone())
        };
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()));
        let listen_text = o
            .listen
            .clone()
            .unwrap_or_else(|| config.metrics.listen.clone());
        let listen = if listen_text.trim().is_empty() {
            None
        } else {
            Some(
                listen_text
                    .trim()
                    .parse()
                    .map_err(|e| format!("metrics.listen {listen_text:?}: {e}"))?,
            )
        };
        Ok(Settings {
            policy: Policy {
                agents,
                warn_within_ms: i64::try_from(warn.as_millis()).unwrap_or(i64::MAX),
            },
            state_dir: o.state_dir.clone().or_else(|| non_empty(&config.state_dir)),
            textfile: o
                .textfile
                .clone()
                .or_else(|| non_empty(&config.metrics.textfile)),
            listen,
            schedule,
            config,
            config_path,
        })
    }
}
