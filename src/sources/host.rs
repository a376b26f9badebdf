//! The process inputs the sources may look at (environment and working
//! directory), gathered once so tests can inject them.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct HostEnv {
    pub vars: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

impl HostEnv {
    /// The real process environment (non-UTF-8 variables are skipped).
    pub fn from_process() -> Self {
        HostEnv {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    pub fn non_blank(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}
