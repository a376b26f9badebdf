//! Credential variables after OpenClaw's precedence: the process
//! environment > `<state>/.env` > `~/.config/openclaw/gateway.env` >
//! config `env.vars`.

use super::dotenv;
use super::files::MAX_JSON_BYTES;
use super::host::HostEnv;
use crate::fsutil::ReadError;
use clawwatch_core::model::{
    ConfigRead, EnvOrigin, EnvSnapshot, Paths, ReadProblem, ReadReason, SourceName,
};
use clawwatch_core::openclaw::env;
use clawwatch_core::secret::Secret;
use std::path::{Path, PathBuf};

/// The .env files OpenClaw's gateway reads, in precedence order.
fn dotenv_paths(host: &HostEnv, paths: &Paths) -> Vec<PathBuf> {
    let mut out = vec![paths.dotenv.clone()];
    let default_env = paths.home.join(".openclaw").join(".env");
    if host.non_blank("OPENCLAW_STATE_DIR").is_none() || paths.dotenv == default_env {
        out.push(
            paths
                .home
                .join(".config")
                .join("openclaw")
                .join("gateway.env"),
        );
    }
    out
}

/// One .env file's pairs, or the problem that kept it out.
fn dotenv_file(
    path: &Path,
    disp: &dyn Fn(&Path) -> String,
) -> Result<Vec<(String, Secret)>, Option<ReadProblem>> {
    let problem = |reason, message: String| ReadProblem {
        source: SourceName::Dotenv,
        reason,
        path: Some(disp(path)),
        message,
    };
    match crate::fsutil::read_bounded(path, MAX_JSON_BYTES) {
        Ok(bytes) => Ok(dotenv::parse(&String::from_utf8_lossy(&bytes))),
        Err(ReadError::TooLarge { .. }) => Err(Some(problem(
            ReadReason::TooLarge,
            "the .env file is too large to be a .env file; ignored".into(),
        ))),
        Err(ReadError::NotFound) => Err(None),
        Err(e) => Err(Some(problem(
            ReadReason::Unreadable,
            format!("cannot read: {e}; ignored"),
        ))),
    }
}

/// The environment snapshot, and the problems of unreadable .env files.
pub fn read(
    host: &HostEnv,
    paths: &Paths,
    config: &ConfigRead,
    disp: &dyn Fn(&Path) -> String,
) -> (EnvSnapshot, Vec<ReadProblem>) {
    let mut later = Vec::new();
    let mut problems = Vec::new();
    for path in dotenv_paths(host, paths) {
        match dotenv_file(&path, disp) {
            Ok(pairs) => later.push((EnvOrigin::DotEnv, pairs)),
            Err(p) => problems.extend(p),
        }
    }
    if let ConfigRead::Loaded(cfg) = config {
        later.push((EnvOrigin::ConfigVars, cfg.env_vars.clone()));
    }
    (env::layer(host.vars.clone(), later), problems)
}
