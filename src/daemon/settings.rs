//! What the cycles run with: the config file's settings, with flags on top.

use crate::config::Config;
use crate::schedule::Schedule;
use clawwatch_core::model::{AgentScope, Policy};
use clawwatch_core::openclaw::release::ReleaseInputs;
use std::net::SocketAddr;
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
    /// Where /metrics is served (none: no server).
    pub listen: Vec<SocketAddr>,
    /// `--web.config.file`: TLS and basic auth (exporter-toolkit format).
    pub web_config: Option<PathBuf>,
    /// `--web.enable-lifecycle`: `POST /-/reload`.
    pub enable_lifecycle: bool,
    /// `--openclaw-version` and `[openclaw] version`.
    pub release: ReleaseInputs,
}

/// Flags that override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub state_dir: Option<PathBuf>,
    pub textfile: Option<PathBuf>,
    /// `--web.listen-address` / `--listen` (repeatable): Some(empty)
    /// disables the server.
    pub listen: Option<Vec<SocketAddr>>,
    pub web_config: Option<PathBuf>,
    pub enable_lifecycle: bool,
    /// Benchmarks only: run this many cycles back to back at start-up,
    /// logging the resident memory (and its peak so far) after 200 cycles
    /// and every 1,000.
    pub bench_cycles: u64,
    /// `--openclaw-version`.
    pub openclaw_version: Option<String>,
}

impl Settings {
    pub fn from_config(config: Config, config_path: Option<PathBuf>, o: &Overrides) -> Self {
        let agents = if config.agents.is_empty() {
            AgentScope::All
        } else {
            AgentScope::Only(config.agents.clone())
        };
        let warn_within_ms =
            i64::try_from(config.check.warn_within.as_millis()).unwrap_or(i64::MAX);
        Settings {
            policy: Policy {
                agents,
                warn_within_ms,
            },
            state_dir: o.state_dir.clone().or_else(|| config.state_dir.clone()),
            textfile: o
                .textfile
                .clone()
                .or_else(|| config.metrics.textfile.clone()),
            listen: o
                .listen
                .clone()
                .unwrap_or_else(|| config.metrics.listen.into_iter().collect()),
            web_config: o.web_config.clone(),
            enable_lifecycle: o.enable_lifecycle,
            schedule: config.check.schedule.clone(),
            release: ReleaseInputs {
                flag: o.openclaw_version.clone(),
                config: config.openclaw_version.clone(),
                ..Default::default()
            },
            config,
            config_path,
        }
    }
}
