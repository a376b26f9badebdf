//! One doctor finding: a stable id, how bad it is, what is wrong, where,
//! and the command that fixes it.

use super::id::FindingId;
use serde::Serialize;

/// How bad a finding is (`doctor` exits 1 on an error, 2 on warnings only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One finding. `id` serialises to a stable kebab-case word (a metrics
/// label and an alert key); `message` and `fix` are for people and never
/// hold a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub fix: String,
}

impl Finding {
    pub fn new(
        id: FindingId,
        severity: Level,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            id,
            severity,
            agent: None,
            message: message.into(),
            path: None,
            fix: fix.into(),
        }
    }

    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = Some(agent.into());
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn path_opt(mut self, path: Option<String>) -> Self {
        self.path = path;
        self
    }
}
