//! Plain data passed between the sources, the pure core and the outputs.
//!
//! A [`Snapshot`] is everything the sources read (no I/O handles, no clock);
//! [`crate::evaluate::evaluate`] turns it into a [`Report`], which every
//! output renders.

use crate::secret::Secret;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

// ---------------------------------------------------------------- snapshot

/// Everything read from disk and the environment, as plain data.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub paths: Paths,
    pub config: ConfigRead,
    pub shared_store: StoreRead,
    pub agents: Vec<AgentRead>,
    pub env: EnvSnapshot,
    pub claude_code: Option<ClaudeCodeRead>,
    /// Read problems that did not stop the read (a dropped profile, an
    /// unreadable .env, …). Shown by `status`, counted in metrics.
    pub problems: Vec<ReadProblem>,
}

/// Where things live, as OpenClaw resolves them.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub home: PathBuf,
    pub state_dir: PathBuf,
    pub config_path: PathBuf,
    /// The main agent's directory (OPENCLAW_AGENT_DIR / PI_CODING_AGENT_DIR
    /// or `<state>/agents/main/agent`).
    pub main_agent_dir: PathBuf,
    pub state_db: PathBuf,
    pub dotenv: PathBuf,
    pub oauth_dir: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub enum ConfigRead {
    /// No openclaw.json: OpenClaw's built-in defaults apply.
    #[default]
    Absent,
    Loaded(Box<OpenclawConfig>),
    /// OpenClaw refuses to run with this config (parse or schema error).
    Invalid {
        message: String,
    },
}

/// The parts of openclaw.json that decide model-auth health.
#[derive(Debug, Clone, Default)]
pub struct OpenclawConfig {
    pub defaults_model: ModelSpec,
    pub image_model: ModelSpec,
    /// `agents.defaults.utilityModel`: None = automatic, Some("") = disabled.
    pub defaults_utility: Option<String>,
    /// alias → "provider/model" (from `agents.defaults.models`).
    pub aliases: Vec<(String, String)>,
    pub agents: Vec<AgentEntry>,
    pub ownership_explicit: bool,
    pub system_agent: Option<String>,
    pub env_vars: Vec<(String, Secret)>,
    /// `auth.order`, provider keys as written (normalised on lookup).
    pub auth_order: Vec<(String, Vec<String>)>,
    /// `auth.profiles`: id → (provider, mode).
    pub auth_profiles: Vec<(String, AuthProfileConfig)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelSpec {
    pub primary: Option<String>,
    /// None when not written (an agent then inherits the defaults' list).
    pub fallbacks: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct AgentEntry {
    pub id: String,
    pub default: bool,
    pub model: Option<ModelSpec>,
    pub utility: Option<String>,
    pub agent_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthProfileConfig {
    pub provider: String,
    pub mode: String,
}

/// Which backend holds the shared (main) auth store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreLocation {
    StateDb,
    LegacyMain,
}

#[derive(Debug, Clone, Default)]
pub enum StoreRead {
    /// Nothing stored yet (no database, or no rows).
    #[default]
    Empty,
    Loaded {
        location: StoreLocation,
        path: PathBuf,
        store: AuthStore,
    },
    /// OpenClaw refuses to run (invalid `auth.sharedStore`, unreadable DB, …).
    Failed {
        path: PathBuf,
        message: String,
        fix: String,
    },
}

/// Profiles plus runtime state, as OpenClaw merges them on load.
#[derive(Debug, Clone, Default)]
pub struct AuthStore {
    /// In store insertion order.
    pub profiles: Vec<Profile>,
    /// Normalised `order` (provider → ids); empty lists already dropped.
    pub order: Vec<(String, Vec<String>)>,
    pub usage: BTreeMap<String, UsageStats>,
}

impl AuthStore {
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: String,
    /// The credential's own `provider` field, normalised (lowercase).
    pub provider: String,
    pub credential: Credential,
    /// A saved-but-inactive setup credential (`setup.replacement`).
    pub setup_inactive: bool,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    ApiKey {
        key: Option<Secret>,
        key_ref: bool,
    },
    Token {
        token: Option<Secret>,
        token_ref: bool,
        expires: Expires,
    },
    OAuth {
        access: Option<Secret>,
        refresh: Option<Secret>,
        oauth_ref: bool,
        expires: Expires,
        /// The refresh-fence marker OpenClaw writes while a refresh is claimed.
        refresh_fence: bool,
    },
}

impl Credential {
    pub fn type_name(&self) -> &'static str {
        match self {
            Credential::ApiKey { .. } => "api_key",
            Credential::Token { .. } => "token",
            Credential::OAuth { .. } => "oauth",
        }
    }

    pub fn expires(&self) -> Option<&Expires> {
        match self {
            Credential::ApiKey { .. } => None,
            Credential::Token { expires, .. } | Credential::OAuth { expires, .. } => Some(expires),
        }
    }
}

/// The raw `expires` field.
#[derive(Debug, Clone, PartialEq)]
pub enum Expires {
    Absent,
    /// A JSON number (epoch milliseconds if valid).
    Number(f64),
    /// Any other JSON type (string, null, bool, …), described.
    NotANumber(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageStats {
    pub last_used: f64,
    pub cooldown_until: Option<f64>,
    pub cooldown_reason: Option<String>,
    pub cooldown_model: Option<String>,
    pub disabled_until: Option<f64>,
    pub disabled_reason: Option<String>,
    pub blocked_until: Option<f64>,
    pub blocked_scope: Option<String>,
    pub blocked_model: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AgentRead {
    pub id: String,
    pub dir: PathBuf,
    /// The agent's own `openclaw-agent.sqlite`, when it holds an auth row.
    pub local_store: Option<LocalStore>,
    /// Legacy JSON credential files found in the agent directory.
    pub legacy: Vec<LegacyFile>,
}

#[derive(Debug, Clone)]
pub struct LocalStore {
    pub path: PathBuf,
    pub store: Result<AuthStore, String>,
}

#[derive(Debug, Clone)]
pub struct LegacyFile {
    pub path: PathBuf,
    /// auth-profiles | legacy-auth | legacy-oauth | auth-state
    pub kind: &'static str,
    /// What it holds (for `status`), or why it could not be read.
    pub contents: Result<AuthStore, String>,
}

impl LegacyFile {
    /// auth-state.json holds no credentials and never blocks OpenClaw.
    pub fn is_credential_source(&self) -> bool {
        self.kind != "auth-state"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvOrigin {
    /// The process environment (never overridden).
    Process,
    /// `<state dir>/.env`.
    DotEnv,
    /// `env.vars` in openclaw.json.
    ConfigVars,
}

impl EnvOrigin {
    pub fn label(self) -> &'static str {
        match self {
            EnvOrigin::Process => "env",
            EnvOrigin::DotEnv => "dotenv",
            EnvOrigin::ConfigVars => "config-env",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub value: Secret,
    pub origin: EnvOrigin,
}

/// Credential-shaped environment variables after OpenClaw's precedence.
#[derive(Debug, Clone, Default)]
pub struct EnvSnapshot {
    pub vars: BTreeMap<String, EnvVar>,
}

impl EnvSnapshot {
    /// The value if set and not blank.
    pub fn get(&self, name: &str) -> Option<&EnvVar> {
        self.vars.get(name).filter(|v| !v.value.is_blank())
    }
}

#[derive(Debug, Clone)]
pub struct ClaudeCodeRead {
    pub path: PathBuf,
    pub creds: Result<ClaudeCodeCreds, String>,
}

#[derive(Debug, Clone)]
pub struct ClaudeCodeCreds {
    pub has_refresh: bool,
    pub expires_at_ms: f64,
    pub subscription: Option<String>,
    pub token: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadProblem {
    /// The source module that met it (`openclaw_config`, `sqlite_store`, …).
    pub source: &'static str,
    /// A short, stable reason for metrics labels (`unreadable`, `malformed`, …).
    pub reason: &'static str,
    pub path: Option<String>,
    pub message: String,
}

// ---------------------------------------------------------------- policy

#[derive(Debug, Clone, PartialEq, Default)]
pub enum AgentScope {
    /// As `openclaw models status`: the default agent only.
    #[default]
    Default,
    All,
    Only(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub agents: AgentScope,
    /// Expiring threshold in milliseconds (OpenClaw: 24 h, inclusive).
    pub warn_within_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            agents: AgentScope::Default,
            warn_within_ms: 86_400_000,
        }
    }
}

// ---------------------------------------------------------------- report

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
    /// api_key | token | oauth
    pub r#type: String,
    /// state-db | agent-db | legacy-json | env | dotenv | config-env | claude-code
    pub source: String,
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
    /// Stable machine word: expired, expiring, missing, cooldown, command_failed, …
    pub kind: String,
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
    pub failure: Option<String>,
    pub routes: Vec<RouteReport>,
    pub credentials: Vec<CredentialReport>,
    pub providers: Vec<ProviderKeys>,
    pub verdict: Verdict,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
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
