//! The closed vocabularies of the model: credential types and sources,
//! problem kinds, read-problem sources and reasons, legacy file kinds.
//! Each serialises to the word the JSON schemas, metrics labels and
//! messages have always used.

/// Implements `ALL`, `as_str`, `from_word`, `Display` and `Serialize` from
/// one table of words.
macro_rules! words {
    ($ty:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $word),+
                }
            }

            /// The value whose word this is.
            pub fn from_word(word: &str) -> Option<Self> {
                match word {
                    $($word => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// The same table for the other closed vocabularies of the crate (doctor's
/// finding ids and alert channel kinds).
pub(crate) use words;

/// What kind of secret a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredType {
    ApiKey,
    Token,
    OAuth,
}

words!(CredType {
    ApiKey => "api_key",
    Token => "token",
    OAuth => "oauth",
});

/// Where a credential was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredSource {
    /// `state/openclaw.sqlite` (the shared store).
    StateDb,
    /// An agent's own `openclaw-agent.sqlite` (or the legacy-main store).
    AgentDb,
    /// The process environment.
    Env,
    /// `<state>/.env` or `~/.config/openclaw/gateway.env`.
    DotEnv,
    /// `env.vars` in openclaw.json.
    ConfigEnv,
    /// A legacy `auth-profiles.json` / `auth.json` (shown, never counted).
    LegacyJson,
    /// `auth-profiles.json` as the live store (the JSON-store era).
    AgentJson,
    /// Claude Code's own `~/.claude/.credentials.json` (shown, never counted).
    ClaudeCode,
}

words!(CredSource {
    StateDb => "state-db",
    AgentDb => "agent-db",
    Env => "env",
    DotEnv => "dotenv",
    ConfigEnv => "config-env",
    LegacyJson => "legacy-json",
    AgentJson => "agent-json",
    ClaudeCode => "claude-code",
});

impl CredSource {
    /// A profile in one of OpenClaw's SQLite stores (not an env variable).
    pub fn is_store(self) -> bool {
        matches!(
            self,
            CredSource::StateDb | CredSource::AgentDb | CredSource::AgentJson
        )
    }
}

/// Why a route or an agent is not fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// OpenClaw refuses to report for the agent at all.
    CommandFailed,
    /// The route's model needs a runtime that is not installed (codex).
    RuntimeUnavailable,
    Expiring,
    Expired,
    Missing,
    Cooldown,
}

words!(ProblemKind {
    CommandFailed => "command_failed",
    RuntimeUnavailable => "runtime_unavailable",
    Expiring => "expiring",
    Expired => "expired",
    Missing => "missing",
    Cooldown => "cooldown",
});

/// The source module that met a read problem (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceName {
    OpenclawConfig,
    SqliteStore,
    ProfilesJson,
    Dotenv,
    ClaudeCode,
}

words!(SourceName {
    OpenclawConfig => "openclaw_config",
    SqliteStore => "sqlite_store",
    ProfilesJson => "profiles_json",
    Dotenv => "dotenv",
    ClaudeCode => "claude_code",
});

/// A short, stable reason for a read problem (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReadReason {
    /// OpenClaw refuses the file (openclaw.json parse or schema error).
    Invalid,
    Unreadable,
    /// One profile entry of a store was dropped (the rest is read).
    DroppedProfile,
    TooLarge,
    Malformed,
}

words!(ReadReason {
    Invalid => "invalid",
    Unreadable => "unreadable",
    DroppedProfile => "dropped_profile",
    TooLarge => "too_large",
    Malformed => "malformed",
});

/// The legacy JSON credential files OpenClaw 2026.9 no longer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LegacyKind {
    /// `auth-profiles.json`.
    AuthProfiles,
    /// `auth.json`.
    LegacyAuth,
    /// `<oauth dir>/oauth.json`.
    LegacyOauth,
    /// `auth-state.json` (runtime state only: never blocks OpenClaw).
    AuthState,
}

words!(LegacyKind {
    AuthProfiles => "auth-profiles",
    LegacyAuth => "legacy-auth",
    LegacyOauth => "legacy-oauth",
    AuthState => "auth-state",
});
