//! A [`Report`]: what the rules made of a snapshot, rendered by every output.

use super::kinds::{CredSource, CredType, ProblemKind};
use super::snapshot::{ReadProblem, StoreFailure};
use serde::{Serialize, Serializer};

/// The check verdict, ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Expiring,
    Failing,
}

impl Verdict {
    /// `openclaw models status --check` exit code.
    pub fn openclaw_code(self) -> i32 {
        match self {
            Verdict::Ok => 0,
            Verdict::Failing => 1,
            Verdict::Expiring => 2,
        }
    }
}

/// Health of one credential as displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum CredState {
    Ok,
    Static,
    Expiring,
    Expired,
    Missing,
    Cooldown,
    Disabled,
}

impl CredState {
    pub const ALL: [CredState; 7] = [
        CredState::Ok,
        CredState::Static,
        CredState::Expiring,
        CredState::Expired,
        CredState::Missing,
        CredState::Cooldown,
        CredState::Disabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CredState::Ok => "ok",
            CredState::Static => "static",
            CredState::Expiring => "expiring",
            CredState::Expired => "expired",
            CredState::Missing => "missing",
            CredState::Cooldown => "cooldown",
            CredState::Disabled => "disabled",
        }
    }
}

/// Health of one configured route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteHealth {
    Ok,
    Expiring,
    Missing,
    Indeterminate,
    Unavailable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    Text,
    Fallback,
    Image,
    Utility,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteReport {
    pub kind: RouteKind,
    pub model: String,
    pub provider: String,
    pub health: RouteHealth,
    /// The profile id or env var the route would use.
    pub selected: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialReport {
    pub agent: String,
    pub provider: String,
    /// Profile id, or the env var / file that holds the credential.
    pub profile: String,
    pub cred_type: CredType,
    pub source: CredSource,
    pub expires_at_ms: Option<i64>,
    pub state: CredState,
    /// Why the state is what it is (e.g. `invalid_expires`, `cooldown:rate_limit`).
    pub reason: Option<String>,
    /// A masked hint of the value (never more than first 8 … last 4).
    pub masked: Option<String>,
    /// Selected by at least one configured route.
    pub in_use: bool,
    /// Whether this credential can change the check verdict at all (env
    /// rotation keys, legacy files and Claude Code creds cannot).
    pub counted: bool,
    pub unusable_until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderKeys {
    pub provider: String,
    /// The env var `models status` would use (first non-blank manifest var).
    pub env_var: Option<String>,
    pub env_source: Option<String>,
    /// Gateway rotation keys after precedence and dedup.
    pub rotation_keys: usize,
    /// The variables those keys came from.
    pub rotation_vars: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub agent: String,
    pub provider: Option<String>,
    pub profile: Option<String>,
    /// The verdict this problem alone gives.
    pub verdict: Verdict,
    pub kind: ProblemKind,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentReport {
    pub agent: String,
    pub default: bool,
    pub agent_dir: String,
    pub store_path: String,
    /// OpenClaw refuses to report for this agent (it would exit 1 with no
    /// report): the reason.
    pub failure: Option<AgentFailure>,
    pub routes: Vec<RouteReport>,
    pub credentials: Vec<CredentialReport>,
    pub providers: Vec<ProviderKeys>,
    pub verdict: Verdict,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The OpenClaw release the verdict is for, and why.
    pub release: crate::openclaw::release::ReleaseChoice,
    pub now_ms: i64,
    pub warn_within_ms: i64,
    pub state_dir: String,
    pub config_path: String,
    pub verdict: Verdict,
    pub agents: Vec<AgentReport>,
    /// Credentials outside any agent (Claude Code's own file).
    pub external: Vec<CredentialReport>,
    pub read_problems: Vec<ReadProblem>,
}

impl Report {
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.agents.iter().flat_map(|a| a.problems.iter())
    }
}

/// Why OpenClaw refuses to report on an agent (`models status` exits 1
/// without a report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// openclaw.json does not parse or fails OpenClaw's schema.
    InvalidConfig,
    /// Several agents and no owner for model inspection.
    NoModelOwner,
    /// `--agent` names an agent OpenClaw does not know.
    UnknownAgent,
    /// The shared store cannot be used.
    Store(StoreFailure),
    /// The agent's own database cannot be read.
    AgentDbUnreadable,
    /// An unmigrated legacy JSON store blocks the agent.
    LegacyMigration,
}

/// The failure and OpenClaw's words for it. Serialised as the words.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentFailure {
    pub kind: FailureKind,
    pub message: String,
    /// The file it is about (`~/…`), where there is one.
    pub path: Option<String>,
}

impl AgentFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        AgentFailure {
            kind,
            message: message.into(),
            path: None,
        }
    }

    pub fn at(mut self, path: String) -> Self {
        self.path = Some(path);
        self
    }
}

impl std::fmt::Display for AgentFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Serialize for AgentFailure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.message)
    }
}
