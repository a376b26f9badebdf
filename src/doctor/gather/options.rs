//! What the caller tells the gathering.

use crate::config::doctor::DoctorConfig;
use crate::config::{Config, ConfigError};
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    /// `--config FILE`.
    pub config_arg: Option<&'a Path>,
    /// `config::load`'s answer for it.
    pub loaded: &'a Result<(Config, Option<PathBuf>), ConfigError>,
    pub probe: bool,
    pub doctor: &'a DoctorConfig,
    /// Inside `clawwatch run`/`once`: the metrics port is this process's own
    /// (not checked) and the SMTP servers are not probed.
    pub in_agent: bool,
}
