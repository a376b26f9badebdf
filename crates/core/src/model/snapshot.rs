//! A [`Snapshot`]: everything the sources read, as plain data (no I/O
//! handles, no clock). The rules turn it into a report.

use super::kinds::{CredType, LegacyKind, ReadReason, SourceName};
use crate::secret::Secret;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Everything read from disk and the environment, as plain data.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The OpenClaw release whose rules apply, and why.
    pub release: crate::openclaw::release::ReleaseChoice,
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
    /// The state directory is there (OpenClaw has run for this user, or
    /// the path points at its state).
    pub state_dir_exists: bool,
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
    /// OpenClaw refuses to run with this config: its words for it, and
    /// the schema issues (none when the file cannot be read or parsed).
    Invalid {
        message: String,
        issues: Vec<ConfigIssue>,
    },
}

/// One way openclaw.json fails OpenClaw's strict schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigIssue {
    /// A key under `env` other than `vars` and `shellEnv` (a variable
    /// written straight under `env`, which OpenClaw rejects).
    EnvKeyOutsideVars(String),
    /// Any other issue, as OpenClaw words it (`path: problem`).
    Other(String),
}

impl std::fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigIssue::EnvKeyOutsideVars(k) => write!(f, "env: Unrecognized key: {k:?}"),
            ConfigIssue::Other(s) => f.write_str(s),
        }
    }
}

impl ConfigRead {
    pub fn loaded(&self) -> Option<&OpenclawConfig> {
        match self {
            ConfigRead::Loaded(c) => Some(c),
            _ => None,
        }
    }
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
    /// None when the setting leaves them open: the defaults' model then
    /// has none, an agent's own model (with `--agent`) takes the defaults'.
    /// A model that names its primary has exactly the fallbacks it lists.
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
    /// The main agent's `auth-profiles.json` (the JSON-store era).
    AgentJson,
}

/// Why OpenClaw cannot use the shared store (each has its own fix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailure {
    /// The state database cannot be opened at all.
    StateDbUnopenable,
    /// Its tables or the `auth.sharedStore` row cannot be read.
    StateDbUnreadable,
    /// `auth.sharedStore` names a location OpenClaw does not know.
    InvalidSharedLocation,
    /// A credential row cannot be read or parsed.
    StoreRowUnreadable,
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
        cause: StoreFailure,
    },
}

/// Profiles plus runtime state, as OpenClaw merges them on load. Profiles
/// keep their store order and are found by id in constant time.
#[derive(Debug, Clone, Default)]
pub struct AuthStore {
    profiles: Vec<Profile>,
    index: HashMap<String, usize>,
    /// Normalised `order` (provider → ids); empty lists already dropped.
    pub order: Vec<(String, Vec<String>)>,
    pub usage: BTreeMap<String, UsageStats>,
}

impl FromIterator<Profile> for AuthStore {
    /// A store of these profiles (a later one replaces an earlier one with
    /// its id), no order and no usage stats.
    fn from_iter<I: IntoIterator<Item = Profile>>(profiles: I) -> Self {
        let mut store = AuthStore::default();
        for p in profiles {
            store.upsert(p);
        }
        store
    }
}

impl AuthStore {
    /// In store insertion order.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.index.get(id).map(|&i| &self.profiles[i])
    }

    /// Add a profile, or replace the one with its id in place.
    pub fn upsert(&mut self, p: Profile) {
        match self.index.get(&p.id) {
            Some(&i) => self.profiles[i] = p,
            None => {
                self.index.insert(p.id.clone(), self.profiles.len());
                self.profiles.push(p);
            }
        }
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
    pub fn cred_type(&self) -> CredType {
        match self {
            Credential::ApiKey { .. } => CredType::ApiKey,
            Credential::Token { .. } => CredType::Token,
            Credential::OAuth { .. } => CredType::OAuth,
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

/// Largest epoch-millisecond instant OpenClaw accepts as an expiry.
pub const MAX_EXPIRES_MS: f64 = 8.64e15;

impl Expires {
    /// The expiry as epoch ms, when it is a valid one.
    pub fn valid_ms(&self) -> Option<i64> {
        match self {
            Expires::Number(n) if n.is_finite() && *n > 0.0 && *n <= MAX_EXPIRES_MS => {
                Some(*n as i64)
            }
            _ => None,
        }
    }
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
    /// The store, or why it cannot be read (shown as is).
    pub store: Result<AuthStore, String>,
}

#[derive(Debug, Clone)]
pub struct LegacyFile {
    pub path: PathBuf,
    pub kind: LegacyKind,
    /// What it holds (for `status`), or why it could not be read.
    pub contents: Result<AuthStore, String>,
}

impl LegacyFile {
    /// auth-state.json holds no credentials and never blocks OpenClaw.
    pub fn is_credential_source(&self) -> bool {
        self.kind != LegacyKind::AuthState
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
    pub fn source(self) -> super::kinds::CredSource {
        use super::kinds::CredSource;
        match self {
            EnvOrigin::Process => CredSource::Env,
            EnvOrigin::DotEnv => CredSource::DotEnv,
            EnvOrigin::ConfigVars => CredSource::ConfigEnv,
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
    /// The source module that met it.
    pub source: SourceName,
    pub reason: ReadReason,
    pub path: Option<String>,
    pub message: String,
}
