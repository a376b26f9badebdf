//! The pure rules: `evaluate(&Snapshot, now, &Policy) -> Report`.
//!
//! This reproduces `openclaw models status --check` (OpenClaw 2026.9.6, see
//! shared/openclaw-auth.md §3): only configured routes count; per provider
//! only the profile the resolver selects counts; 1 beats 2 across routes.
//! No clock, environment or filesystem access happens here.

use crate::model::*;
use crate::sources::display_path;
use crate::sources::env_keys::{self, SYNTHETIC_AUTH_PROVIDERS};
use crate::sources::store_json::{merge, normalize_provider};
use std::collections::BTreeSet;

/// OpenClaw's built-in default model (no config at all).
pub const DEFAULT_MODEL: &str = "openai/gpt-6-astra";
/// OAuth access tokens closer than this to expiry are not "usable".
const OAUTH_REFRESH_MARGIN_MS: f64 = 300_000.0;
const MAX_EXPIRES_MS: f64 = 8.64e15;

// ------------------------------------------------------------ credential rules

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpiryState {
    Missing,
    Invalid,
    Expired,
    Expiring,
    Valid,
}

/// `resolveTokenExpiryState`: epoch-ms validity and the expiring window.
fn expiry_state(e: &Expires, now: f64, within_ms: f64) -> ExpiryState {
    match e {
        Expires::Absent => ExpiryState::Missing,
        Expires::NotANumber(_) => ExpiryState::Invalid,
        Expires::Number(n) => {
            if !n.is_finite() || *n <= 0.0 || *n > MAX_EXPIRES_MS {
                return ExpiryState::Invalid;
            }
            let remaining = n - now;
            if remaining <= 0.0 {
                ExpiryState::Expired
            } else if within_ms > 0.0 && remaining <= within_ms {
                ExpiryState::Expiring
            } else {
                ExpiryState::Valid
            }
        }
    }
}

fn expires_ms(e: &Expires) -> Option<i64> {
    match e {
        Expires::Number(n) if n.is_finite() && *n > 0.0 && *n <= MAX_EXPIRES_MS => Some(*n as i64),
        _ => None,
    }
}

fn is_malformed_key(key: &Secret) -> bool {
    let k = key.expose().trim().to_lowercase();
    let mut words = k.split_whitespace();
    words.next() == Some("openclaw")
        && words.next() == Some("onboard")
        && k.split_whitespace()
            .any(|w| w == "--auth-choice" || w.starts_with("--auth-choice="))
}

use crate::secret::Secret;

/// `evaluateStoredCredentialEligibility`. Ok(()) or the reason code.
fn credential_eligibility(c: &Credential, now: f64) -> Result<(), &'static str> {
    match c {
        Credential::ApiKey { key, key_ref } => {
            if key.as_ref().is_some_and(is_malformed_key) {
                return Err("malformed_api_key");
            }
            if key.is_none() && !key_ref {
                return Err("missing_credential");
            }
            Ok(())
        }
        Credential::Token {
            token,
            token_ref,
            expires,
        } => {
            if token.is_none() && !token_ref {
                return Err("missing_credential");
            }
            match expiry_state(expires, now, 0.0) {
                ExpiryState::Invalid => Err("invalid_expires"),
                ExpiryState::Expired => Err("expired"),
                _ => Ok(()),
            }
        }
        Credential::OAuth {
            access,
            refresh,
            oauth_ref,
            refresh_fence,
            ..
        } => {
            if *refresh_fence {
                return Err("expired");
            }
            if access.is_none() && refresh.is_none() {
                return Err(if *oauth_ref {
                    "unresolved_ref"
                } else {
                    "missing_credential"
                });
            }
            Ok(())
        }
    }
}

/// Displayed profile health (`buildProfileHealth`).
fn profile_health(
    p: &Profile,
    now: f64,
    warn_ms: f64,
) -> (CredState, Option<i64>, Option<&'static str>) {
    if p.setup_inactive {
        return (CredState::Missing, None, Some("setup_inactive"));
    }
    match &p.credential {
        Credential::ApiKey { .. } => match credential_eligibility(&p.credential, now) {
            Ok(()) => (CredState::Static, None, None),
            Err(r) => (CredState::Missing, None, Some(r)),
        },
        Credential::Token { expires, .. } => match credential_eligibility(&p.credential, now) {
            Err("expired") => (CredState::Expired, expires_ms(expires), Some("expired")),
            Err(r) => (CredState::Missing, None, Some(r)),
            Ok(()) => match expiry_state(expires, now, warn_ms) {
                ExpiryState::Missing => (CredState::Static, None, None),
                ExpiryState::Expiring => (CredState::Expiring, expires_ms(expires), None),
                _ => (CredState::Ok, expires_ms(expires), None),
            },
        },
        Credential::OAuth { expires, .. } => match credential_eligibility(&p.credential, now) {
            Err("expired") => (CredState::Expired, expires_ms(expires), Some("expired")),
            Err(r) => (CredState::Missing, None, Some(r)),
            Ok(()) => match expiry_state(expires, now, warn_ms.max(OAUTH_REFRESH_MARGIN_MS)) {
                ExpiryState::Missing => (CredState::Missing, None, Some("missing_expiry")),
                ExpiryState::Invalid => (CredState::Missing, None, Some("invalid_expires")),
                ExpiryState::Expired => (CredState::Expired, expires_ms(expires), None),
                ExpiryState::Expiring => (CredState::Expiring, expires_ms(expires), None),
                ExpiryState::Valid => (CredState::Ok, expires_ms(expires), None),
            },
        },
    }
}

// ------------------------------------------------------------ selection

/// What one provider route resolves to.
#[derive(Debug, Clone, PartialEq)]
struct Evaluation {
    /// Some(true) usable, Some(false) unusable, None indeterminate.
    availability: Option<bool>,
    selected_profile: Option<String>,
    selected_env: Option<&'static str>,
    detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Readiness {
    Ready,
    Unknown,
    Unavailable,
}

struct Ctx<'a> {
    store: &'a AuthStore,
    cfg: &'a OpenclawConfig,
    env: &'a EnvSnapshot,
    now: f64,
}

/// The provider id OpenClaw's auth lookups use (lowercase, alias-resolved).
/// Borrows when the id is already normal (the hot path: stored profiles).
fn auth_key(p: &str) -> std::borrow::Cow<'_, str> {
    let clean = p.trim();
    if clean.len() == p.len() && !p.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(env_keys::auth_alias(p))
    } else {
        std::borrow::Cow::Owned(env_keys::auth_alias(&normalize_provider(p)).to_string())
    }
}

/// `normalize_provider`, borrowing when the id is already normal.
fn normalized(p: &str) -> std::borrow::Cow<'_, str> {
    if p.trim().len() == p.len() && p.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(p)
    } else {
        std::borrow::Cow::Owned(normalize_provider(p))
    }
}

impl<'a> Ctx<'a> {
    fn cfg_profile(&self, id: &str) -> Option<&AuthProfileConfig> {
        self.cfg
            .auth_profiles
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, c)| c)
    }

    /// `resolveAuthProfileEligibility` in read-only mode.
    fn eligible(&self, provider: &str, id: &str) -> bool {
        let Some(p) = self.store.profile(id) else {
            return false;
        };
        if p.setup_inactive || auth_key(&p.provider) != provider {
            return false;
        }
        if let Some(c) = self.cfg_profile(id) {
            if auth_key(&c.provider) != provider {
                return false;
            }
            let ty = p.credential.type_name();
            if c.mode != ty && !(c.mode == "oauth" && ty == "token") {
                return false;
            }
        }
        match credential_eligibility(&p.credential, self.now) {
            Ok(()) => true,
            Err(r) => r == "unresolved_ref",
        }
    }

    fn stats(&self, id: &str) -> Option<&UsageStats> {
        self.store.usage.get(id)
    }

    /// `resolveProfileUnusableUntil` for a route model.
    fn unusable_until(&self, s: &UsageStats, model: &str) -> Option<f64> {
        let block_other_model = s.blocked_scope.as_deref() == Some("model")
            && s.blocked_model.as_deref().is_some_and(|m| m != model);
        [
            if block_other_model {
                None
            } else {
                s.blocked_until
            },
            s.cooldown_until,
            s.disabled_until,
        ]
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite() && *v > 0.0)
        .reduce(f64::max)
    }

    /// `isProfileInCooldown` (cooldown, disabled or blocked, for this model).
    fn in_cooldown(&self, id: &str, model: &str) -> bool {
        // Most profiles have no usage stats: look them up first.
        let Some(s) = self.stats(id) else {
            return false;
        };
        let Some(p) = self.store.profile(id) else {
            return false;
        };
        if matches!(normalized(&p.provider).as_ref(), "openrouter" | "kilocode") {
            return false;
        }
        let active = |v: Option<f64>| v.is_some_and(|t| t.is_finite() && t > 0.0 && self.now < t);
        let model_scoped = matches!(
            s.cooldown_reason.as_deref(),
            Some("rate_limit" | "timeout" | "model_not_found")
        );
        let cooldown_other_model =
            model_scoped && s.cooldown_model.as_deref().is_some_and(|m| m != model);
        let block_other_model = s.blocked_scope.as_deref() == Some("model")
            && s.blocked_model.as_deref().is_some_and(|m| m != model);
        let blocked_active = !block_other_model && active(s.blocked_until);
        if cooldown_other_model && !blocked_active && !active(s.disabled_until) {
            return false;
        }
        self.unusable_until(s, model).is_some_and(|u| self.now < u)
    }

    /// `resolveAuthProfileOrderWithMetadata`: (ordered ids, explicit order?).
    fn profile_order(&self, provider: &str, model: &str) -> (Vec<String>, bool) {
        let find = |list: &'a [(String, Vec<String>)]| {
            list.iter()
                .find(|(p, _)| auth_key(p) == provider)
                .map(|(_, ids)| ids.as_slice())
        };
        let store_order = find(&self.store.order);
        let from_store = store_order.is_some();
        let explicit = store_order.or_else(|| find(&self.cfg.auth_order));
        let explicit_profiles: Vec<&str> = self
            .cfg
            .auth_profiles
            .iter()
            .filter(|(_, c)| auth_key(&c.provider) == provider)
            .map(|(id, _)| id.as_str())
            .collect();
        let store_profiles = || {
            self.store
                .profiles
                .iter()
                .filter(|p| auth_key(&p.provider) == provider)
                .map(|p| p.id.as_str())
        };
        let base: Vec<&str> = match explicit {
            Some(e) => e.iter().map(String::as_str).collect(),
            None if !explicit_profiles.is_empty() => explicit_profiles.clone(),
            None => store_profiles().collect(),
        };
        if base.is_empty() {
            return (vec![], explicit.is_some());
        }
        let mut filtered: Vec<&str> = base
            .iter()
            .copied()
            .filter(|id| self.eligible(provider, id))
            .collect();
        let mut repaired = false;
        let all_missing = base.iter().all(|id| self.store.profile(id).is_none());
        if filtered.is_empty() && all_missing && (from_store || !explicit_profiles.is_empty()) {
            filtered = store_profiles()
                .filter(|id| self.eligible(provider, id))
                .collect();
            repaired = true;
        }
        let mut deduped: Vec<&str> = Vec::with_capacity(filtered.len());
        for id in filtered {
            if !deduped.contains(&id) {
                deduped.push(id);
            }
        }
        let until = |id: &str| {
            self.stats(id)
                .and_then(|s| self.unusable_until(s, model))
                .unwrap_or(self.now)
        };
        let (avail, mut cooling): (Vec<&str>, Vec<&str>) = deduped
            .into_iter()
            .partition(|id| !self.in_cooldown(id, model));
        if cooling.len() > 1 {
            cooling.sort_by(|a, b| until(a).total_cmp(&until(b)));
        }
        if explicit.is_some_and(|e| !e.is_empty()) && !repaired {
            let out = avail
                .iter()
                .chain(&cooling)
                .map(|id| id.to_string())
                .collect();
            return (out, true);
        }
        // Stable sort on (type, expired OAuth, last used), each key computed
        // once rather than at every comparison.
        let mut keyed: Vec<((u8, u8, f64), &str)> = avail
            .into_iter()
            .map(|id| {
                let p = self.store.profile(id);
                let type_score = match p.map(|p| p.credential.type_name()) {
                    Some("oauth") => 0,
                    Some("token") => 1,
                    Some("api_key") => 2,
                    _ => 3,
                };
                let expired_oauth = p.is_some_and(|p| match &p.credential {
                    Credential::OAuth { expires, .. } => {
                        expiry_state(expires, self.now, 0.0) == ExpiryState::Expired
                    }
                    _ => false,
                });
                let last_used = self.stats(id).map(|s| s.last_used).unwrap_or(0.0);
                ((type_score, expired_oauth as u8, last_used), id)
            })
            .collect();
        keyed.sort_by(|(ka, _), (kb, _)| {
            ka.0.cmp(&kb.0)
                .then(ka.1.cmp(&kb.1))
                .then(ka.2.total_cmp(&kb.2))
        });
        let out = keyed
            .into_iter()
            .map(|(_, id)| id)
            .chain(cooling)
            .map(str::to_string)
            .collect();
        (out, explicit.is_some())
    }

    /// `profileAvailability` (cooldown ignored) as a readiness, for an id
    /// of [`Self::profile_order`]: every one of those passed `eligible`
    /// (OpenClaw checks again; the answer cannot differ).
    fn readiness(&self, provider: &str, id: &str) -> Readiness {
        debug_assert!(self.eligible(provider, id), "{id} is not eligible");
        let Some(p) = self.store.profile(id) else {
            return Readiness::Unavailable;
        };
        match &p.credential {
            Credential::ApiKey { key, .. } => {
                if key.is_some() {
                    Readiness::Ready
                } else {
                    Readiness::Unknown
                }
            }
            Credential::Token { token, expires, .. } => {
                match expiry_state(expires, self.now, 0.0) {
                    ExpiryState::Expired | ExpiryState::Invalid => Readiness::Unavailable,
                    _ if token.is_some() => Readiness::Ready,
                    _ => Readiness::Unknown,
                }
            }
            Credential::OAuth {
                access,
                refresh,
                oauth_ref,
                expires,
                refresh_fence,
            } => {
                if !refresh_fence
                    && access.is_some()
                    && expiry_state(expires, self.now, OAUTH_REFRESH_MARGIN_MS)
                        == ExpiryState::Valid
                {
                    Readiness::Ready
                } else if *refresh_fence {
                    Readiness::Unavailable
                } else if refresh.is_some() {
                    if provider == "openai" {
                        Readiness::Ready
                    } else {
                        Readiness::Unknown
                    }
                } else if *oauth_ref && access.is_none() {
                    Readiness::Unknown
                } else {
                    Readiness::Unavailable
                }
            }
        }
    }

    /// `resolveProviderEvaluation` for one route.
    fn evaluate_provider(&self, provider: &str, model: &str) -> Evaluation {
        let (order, explicit) = self.profile_order(provider, model);
        let env = env_keys::provider_env(self.env, provider);
        let synthetic = SYNTHETIC_AUTH_PROVIDERS.contains(&provider);
        let has_profile_evidence = self
            .cfg
            .auth_order
            .iter()
            .any(|(p, _)| auth_key(p) == provider)
            || self
                .cfg
                .auth_profiles
                .iter()
                .any(|(_, c)| auth_key(&c.provider) == provider)
            || self
                .store
                .profiles
                .iter()
                .any(|p| auth_key(&p.provider) == provider);
        // The direct (non-profile) source and whether it may serve as fallback.
        let direct = match env {
            Some((var, _)) => Evaluation {
                availability: Some(true),
                selected_profile: None,
                selected_env: Some(var),
                detail: format!("env {var}"),
            },
            None if synthetic => Evaluation {
                availability: None,
                selected_profile: None,
                selected_env: None,
                detail: format!("Auth readiness could not be confirmed for {provider}/{model}"),
            },
            None => Evaluation {
                availability: if has_profile_evidence {
                    Some(false)
                } else {
                    None
                },
                selected_profile: None,
                selected_env: None,
                detail: format!("no credential for {provider}"),
            },
        };
        let has_fallback = env.is_some() || synthetic;
        let ambient = env.is_some();

        let profiles: Vec<(String, Readiness, bool)> = order
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    self.readiness(provider, id),
                    self.in_cooldown(id, model),
                )
            })
            .collect();
        let available: Vec<&(String, Readiness, bool)> = profiles
            .iter()
            .filter(|p| p.1 != Readiness::Unavailable)
            .collect();
        let usable: Vec<&&(String, Readiness, bool)> = available.iter().filter(|p| !p.2).collect();

        let picked = |id: &str, availability: Option<bool>, detail: String| Evaluation {
            availability,
            selected_profile: Some(id.to_string()),
            selected_env: None,
            detail,
        };
        if !available.is_empty() && usable.is_empty() {
            let first = &available[0].0;
            return picked(
                first,
                Some(false),
                format!("profile {first} is cooling down or disabled"),
            );
        }
        if explicit && available.is_empty() {
            return Evaluation {
                availability: Some(false),
                selected_profile: profiles.first().map(|p| p.0.clone()),
                selected_env: None,
                detail: format!("explicit auth order for {provider} has no usable profiles"),
            };
        }
        // An ambient env key is not used while profiles are declared.
        let fallback_allowed = has_fallback && (!ambient || profiles.is_empty());
        if !usable.is_empty() {
            let first = usable[0];
            let winner = if first.1 == Readiness::Unknown {
                usable
                    .iter()
                    .find(|p| p.1 == Readiness::Ready)
                    .copied()
                    .unwrap_or(first)
            } else {
                first
            };
            let availability = match winner.1 {
                Readiness::Ready => Some(true),
                Readiness::Unknown => None,
                Readiness::Unavailable => Some(false),
            };
            let detail = match availability {
                None => format!(
                    "profile {} needs a refresh that status cannot confirm",
                    winner.0
                ),
                _ => format!("profile {}", winner.0),
            };
            return picked(&winner.0, availability, detail);
        }
        if fallback_allowed {
            return direct;
        }
        if let Some(first) = profiles.first() {
            return picked(
                &first.0,
                Some(false),
                format!("profile {} is not usable", first.0),
            );
        }
        direct
    }
}

// ------------------------------------------------------------ routes

fn resolve_ref(raw: &str, cfg: &OpenclawConfig) -> Option<(String, String)> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    // A trailing `@profile` pins an auth profile; the route is the model.
    let raw = match raw.rfind('@') {
        Some(i) if i > raw.find('/').unwrap_or(0) => &raw[..i],
        _ => raw,
    };
    let target = cfg
        .aliases
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(raw))
        .map(|(_, r)| r.as_str())
        .unwrap_or(raw);
    match target.split_once('/') {
        Some((p, m)) if !p.trim().is_empty() && !m.trim().is_empty() => {
            Some((normalize_provider(p), m.trim().to_string()))
        }
        _ => Some(("openai".to_string(), target.to_string())),
    }
}

fn utility_default(provider: &str) -> Option<&'static str> {
    match provider {
        "anthropic" => Some("claude-haiku-4-5"),
        "openai" => Some("gpt-5.6-luna"),
        _ => None,
    }
}

struct RouteSpec {
    kind: RouteKind,
    provider: String,
    model: String,
}

/// The configured routes of an agent. `explicit` is OpenClaw's `--agent`:
/// only then do the agent's own model and fallbacks replace the defaults
/// (without it, `models status` shows the defaults' text routes, while the
/// utility model still follows the agent's own primary provider).
fn routes_for(cfg: &OpenclawConfig, agent: Option<&AgentEntry>, explicit: bool) -> Vec<RouteSpec> {
    let agent_model = agent.and_then(|a| a.model.as_ref());
    let effective_primary = agent_model
        .and_then(|m| m.primary.clone())
        .or_else(|| cfg.defaults_model.primary.clone())
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let primary_raw = if explicit {
        effective_primary.clone()
    } else {
        cfg.defaults_model
            .primary
            .clone()
            .unwrap_or_else(|| DEFAULT_MODEL.to_string())
    };
    let fallbacks = agent_model
        .filter(|_| explicit)
        .and_then(|m| m.fallbacks.clone())
        .or_else(|| cfg.defaults_model.fallbacks.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |kind, raw: &str| {
        if let Some((provider, model)) = resolve_ref(raw, cfg) {
            out.push(RouteSpec {
                kind,
                provider,
                model,
            });
        }
    };
    push(RouteKind::Text, &primary_raw);
    for f in &fallbacks {
        push(RouteKind::Fallback, f);
    }
    if let Some(p) = &cfg.image_model.primary {
        push(RouteKind::Image, p);
    }
    for f in cfg.image_model.fallbacks.iter().flatten() {
        push(RouteKind::Image, f);
    }
    let utility = agent
        .and_then(|a| a.utility.clone())
        .or_else(|| cfg.defaults_utility.clone());
    match utility {
        Some(u) if u.trim().is_empty() => {}
        Some(u) => push(RouteKind::Utility, &u),
        None => {
            if let Some((provider, _)) = resolve_ref(&effective_primary, cfg)
                && let Some(m) = utility_default(&provider)
            {
                push(RouteKind::Utility, &format!("{provider}/{m}"));
            }
        }
    }
    out
}

// ------------------------------------------------------------ remediation

/// The command that fixes a credential, by type and provider.
pub fn fix_for(provider: &str, cred_type: &str, env_var: Option<&str>) -> String {
    match (cred_type, provider) {
        ("token", "anthropic") => {
            "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`"
                .to_string()
        }
        ("token", p) => {
            format!("paste a new token: `openclaw models auth paste-token --provider {p}`")
        }
        ("oauth", p) => format!("run `openclaw models auth login --provider {p}`"),
        ("api_key", p) => format!(
            "put a new key from the {p} console into ~/.openclaw/.env ({}) and restart the gateway",
            env_var
                .map(str::to_string)
                .or_else(|| env_keys::manifest_vars(p).last().map(|v| v.to_string()))
                .unwrap_or_else(|| "the provider's API-key variable".into())
        ),
        (_, p) => format!(
            "run `openclaw models auth login --provider {p}`, `openclaw configure`, or set {}",
            env_keys::manifest_vars(p)
                .last()
                .copied()
                .unwrap_or("an API key env var")
        ),
    }
}

// ------------------------------------------------------------ agents

/// The agent `openclaw models status` inspects when no `--agent` is given.
pub fn default_agent(cfg: Option<&OpenclawConfig>) -> Result<String, String> {
    let Some(cfg) = cfg else {
        return Ok("main".into());
    };
    if cfg.agents.is_empty() {
        return Ok("main".into());
    }
    if let Some(a) = cfg.agents.iter().find(|a| a.default) {
        return Ok(a.id.clone());
    }
    if let Some(sys) = &cfg.system_agent {
        return Ok(sys.clone());
    }
    if cfg.agents.len() == 1 {
        return Ok(cfg.agents[0].id.clone());
    }
    Err("Multiple agents are configured, but model inspection has no explicit owner. Pass --agent <id> or set agents.defaults.systemAgent.agentId.".into())
}

fn legacy_failure(snap: &Snapshot, agent: &AgentRead, has_db_profiles: bool) -> Option<String> {
    let sources: Vec<&LegacyFile> = agent
        .legacy
        .iter()
        .filter(|l| l.is_credential_source())
        .collect();
    if sources.is_empty() || has_db_profiles {
        return None;
    }
    let mut providers = BTreeSet::new();
    let mut scoped = true;
    for s in &sources {
        match (&s.kind, &s.contents) {
            (&"auth-profiles", Ok(store)) if !store.profiles.is_empty() => {
                for p in &store.profiles {
                    providers.insert(p.provider.clone());
                    if p.provider == "openai-codex" {
                        providers.insert("openai".to_string());
                    }
                }
            }
            _ => scoped = false,
        }
    }
    let affected = if scoped && !providers.is_empty() {
        providers.into_iter().collect::<Vec<_>>().join(", ")
    } else {
        "all (legacy provider scope unavailable)".to_string()
    };
    let db = agent.dir.join(crate::sources::sqlite_store::AGENT_DB);
    Some(format!(
        "Auth profile store {} requires legacy credential migration; affected providers: {affected}; run openclaw doctor --fix.",
        display_path(&db, &snap.paths.home)
    ))
}

fn target_agents(
    snap: &Snapshot,
    cfg: Option<&OpenclawConfig>,
    policy: &Policy,
) -> Vec<(String, Option<String>)> {
    // (agent id, failure if it cannot be resolved)
    match &policy.agents {
        AgentScope::Default => match default_agent(cfg) {
            Ok(id) => vec![(id, None)],
            Err(e) => vec![("(default)".to_string(), Some(e))],
        },
        AgentScope::Only(ids) => ids
            .iter()
            .map(|id| (id.trim().to_lowercase(), None))
            .collect(),
        AgentScope::All => {
            let mut ids: Vec<String> = match cfg {
                Some(c) if !c.agents.is_empty() => c.agents.iter().map(|a| a.id.clone()).collect(),
                _ => vec!["main".to_string()],
            };
            let mut seen: std::collections::HashSet<String> = ids.iter().cloned().collect();
            for a in &snap.agents {
                if (a.local_store.is_some() || !a.legacy.is_empty()) && seen.insert(a.id.clone()) {
                    ids.push(a.id.clone());
                }
            }
            ids.into_iter().map(|id| (id, None)).collect()
        }
    }
}

/// Evaluate a snapshot as of `now_ms`.
pub fn evaluate(snap: &Snapshot, now_ms: i64, policy: &Policy) -> Report {
    let home = &snap.paths.home;
    let disp = |p: &std::path::Path| display_path(p, home);
    let cfg_owned;
    let (cfg, config_failure) = match &snap.config {
        ConfigRead::Loaded(c) => (Some(c.as_ref()), None),
        ConfigRead::Absent => (None, None),
        ConfigRead::Invalid { message } => (None, Some(message.clone())),
    };
    let empty_cfg = {
        cfg_owned = OpenclawConfig::default();
        &cfg_owned
    };
    let default_id = default_agent(cfg).ok();
    let by_id: std::collections::HashMap<&str, &AgentRead> =
        snap.agents.iter().map(|a| (a.id.as_str(), a)).collect();
    let entries: std::collections::HashMap<&str, &AgentEntry> = cfg
        .map(|c| c.agents.iter().map(|a| (a.id.as_str(), a)).collect())
        .unwrap_or_default();
    let main_read = snap
        .agents
        .iter()
        .find(|a| a.dir == snap.paths.main_agent_dir);
    let one = |(id, resolve_failure): &(String, Option<String>)| -> AgentReport {
        let resolve_failure = resolve_failure.clone();
        let missing_read;
        let agent_read: &AgentRead = match by_id.get(id.as_str()) {
            Some(a) => a,
            None => {
                missing_read = AgentRead {
                    dir: snap.paths.state_dir.join("agents").join(id).join("agent"),
                    id: id.clone(),
                    ..AgentRead::default()
                };
                &missing_read
            }
        };
        let entry = entries.get(id.as_str()).copied();
        let known = id == "main" || entry.is_some() || by_id.contains_key(id.as_str());
        let mut failure = config_failure.clone().or(resolve_failure);
        if failure.is_none() && !known {
            failure = Some(format!("Unknown agent id \"{id}\"; known agents: {}", {
                let mut k: Vec<String> = snap.agents.iter().map(|a| a.id.clone()).collect();
                k.sort();
                k.join(", ")
            }));
        }
        let (shared, shared_path, location) = match &snap.shared_store {
            StoreRead::Loaded {
                store,
                path,
                location,
            } => (Some(store), Some(path.clone()), Some(*location)),
            StoreRead::Failed { message, fix, .. } => {
                if failure.is_none() {
                    failure = Some(format!("{message} ({fix})"));
                }
                (None, None, None)
            }
            StoreRead::Empty => (None, None, None),
        };
        let local = match &agent_read.local_store {
            Some(LocalStore { store: Ok(s), path }) => Some((s, path.clone())),
            Some(LocalStore {
                store: Err(e),
                path,
            }) => {
                if failure.is_none() {
                    failure = Some(format!("cannot read {}: {e}", disp(path)));
                }
                None
            }
            None => None,
        };
        if failure.is_none() {
            // The target agent's legacy files, then the main agent's.
            for a in std::iter::once(agent_read).chain(main_read) {
                let is_main = a.dir == snap.paths.main_agent_dir;
                let db_profiles = if is_main && location != Some(StoreLocation::StateDb) {
                    shared.is_some_and(|s| !s.profiles.is_empty())
                } else {
                    matches!(&a.local_store, Some(LocalStore { store: Ok(s), .. }) if !s.profiles.is_empty())
                };
                if let Some(f) = legacy_failure(snap, a, db_profiles) {
                    failure = Some(f);
                    break;
                }
            }
        }
        let store = match (shared, &local) {
            (Some(s), Some((l, _))) => merge(s, l),
            (Some(s), None) => s.clone(),
            (None, Some((l, _))) => (*l).clone(),
            (None, None) => AuthStore::default(),
        };
        let store_path = local
            .as_ref()
            .filter(|(l, _)| !l.profiles.is_empty())
            .map(|(_, p)| p.clone())
            .or(shared_path.clone())
            .unwrap_or_else(|| match location {
                Some(StoreLocation::StateDb) => snap.paths.state_db.clone(),
                _ => snap
                    .paths
                    .main_agent_dir
                    .join(crate::sources::sqlite_store::AGENT_DB),
            });
        let source_of = |pid: &str| -> &'static str {
            if local
                .as_ref()
                .is_some_and(|(l, _)| l.profile(pid).is_some())
            {
                "agent-db"
            } else if location == Some(StoreLocation::StateDb) {
                "state-db"
            } else {
                "agent-db"
            }
        };
        evaluate_agent(
            snap,
            AgentInput {
                id,
                explicit: policy.agents != AgentScope::Default,
                is_default: default_id.as_deref() == Some(id.as_str()),
                dir: disp(&agent_read.dir),
                store_path: disp(&store_path),
                store: &store,
                cfg: cfg.unwrap_or(empty_cfg),
                entry,
                failure,
                legacy: &agent_read.legacy,
                source_of: &source_of,
            },
            now_ms,
            policy,
        )
    };
    let agents = crate::par::map(&target_agents(snap, cfg, policy), &one);
    let external = snap
        .claude_code
        .iter()
        .filter_map(|c| c.creds.as_ref().ok().map(|k| (c, k)))
        .map(|(c, k)| {
            let (state, _) = match expiry_state(
                &Expires::Number(k.expires_at_ms),
                now_ms as f64,
                policy.warn_within_ms as f64,
            ) {
                ExpiryState::Expired => (CredState::Expired, ()),
                ExpiryState::Expiring => (CredState::Expiring, ()),
                ExpiryState::Valid => (CredState::Ok, ()),
                _ => (CredState::Missing, ()),
            };
            CredentialReport {
                agent: String::new(),
                provider: "anthropic".into(),
                profile: disp(&c.path),
                r#type: if k.has_refresh {
                    "oauth".into()
                } else {
                    "token".into()
                },
                source: "claude-code".into(),
                expires_at_ms: Some(k.expires_at_ms as i64),
                state,
                reason: k.subscription.clone().map(|s| format!("subscription:{s}")),
                masked: Some(k.token.masked()),
                in_use: false,
                counted: false,
                unusable_until_ms: None,
            }
        })
        .collect();
    let verdict = agents
        .iter()
        .map(|a| a.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    Report {
        now_ms,
        warn_within_ms: policy.warn_within_ms,
        state_dir: disp(&snap.paths.state_dir),
        config_path: disp(&snap.paths.config_path),
        verdict,
        agents,
        external,
        read_problems: snap.problems.clone(),
    }
}

struct AgentInput<'a> {
    id: &'a str,
    /// Chosen by `--agent`/`--all-agents` rather than OpenClaw's default.
    explicit: bool,
    is_default: bool,
    dir: String,
    store_path: String,
    store: &'a AuthStore,
    cfg: &'a OpenclawConfig,
    entry: Option<&'a AgentEntry>,
    failure: Option<String>,
    legacy: &'a [LegacyFile],
    source_of: &'a dyn Fn(&str) -> &'static str,
}

fn evaluate_agent(snap: &Snapshot, a: AgentInput<'_>, now_ms: i64, policy: &Policy) -> AgentReport {
    let now = now_ms as f64;
    let warn = policy.warn_within_ms as f64;
    let ctx = Ctx {
        store: a.store,
        cfg: a.cfg,
        env: &snap.env,
        now,
    };
    let mut routes = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    if a.failure.is_none() {
        for r in routes_for(a.cfg, a.entry, a.explicit) {
            let provider = auth_key(&r.provider);
            // Text routes (primary, fallbacks) on openai need the codex runtime.
            let codex =
                provider == "openai" && matches!(r.kind, RouteKind::Text | RouteKind::Fallback);
            let (health, selected, detail) = if codex {
                (
                    RouteHealth::Unavailable,
                    None,
                    "openai models run through the codex runtime, and no enabled plugin owns agent harness \"codex\"".to_string(),
                )
            } else {
                let ev = ctx.evaluate_provider(&provider, &r.model);
                let health = match ev.availability {
                    None => RouteHealth::Indeterminate,
                    Some(false) => RouteHealth::Missing,
                    Some(true) if r.kind == RouteKind::Image => RouteHealth::Ok,
                    Some(true) => match ev
                        .selected_profile
                        .as_deref()
                        .and_then(|id| a.store.profile(id))
                    {
                        Some(p) => match profile_health(p, now, warn).0 {
                            CredState::Expiring => RouteHealth::Expiring,
                            CredState::Expired | CredState::Missing => RouteHealth::Missing,
                            _ => RouteHealth::Ok,
                        },
                        None => RouteHealth::Ok,
                    },
                };
                let selected = ev
                    .selected_profile
                    .clone()
                    .or(ev.selected_env.map(str::to_string));
                (health, selected, ev.detail)
            };
            routes.push(RouteReport {
                kind: r.kind,
                model: format!("{}/{}", r.provider, r.model),
                provider: provider.into_owned(),
                health,
                selected,
                detail,
            });
        }
    }

    // Credentials: stored profiles, env credentials, legacy files.
    let in_use: BTreeSet<&str> = routes
        .iter()
        .filter_map(|r| r.selected.as_deref())
        .collect();
    let mut credentials = Vec::new();
    for p in &a.store.profiles {
        let (mut state, expires_at_ms, reason) = profile_health(p, now, warn);
        let mut reason = reason.map(str::to_string);
        let mut unusable_until_ms = None;
        if let Some(s) = a.store.usage.get(&p.id) {
            let active = |v: Option<f64>| v.filter(|t| t.is_finite() && *t > now);
            if let Some(until) = active(s.disabled_until) {
                if matches!(
                    state,
                    CredState::Ok | CredState::Static | CredState::Expiring
                ) {
                    state = CredState::Disabled;
                }
                reason = Some(format!(
                    "disabled:{}",
                    s.disabled_reason.as_deref().unwrap_or("unknown")
                ));
                unusable_until_ms = Some(until as i64);
            } else if let Some(until) = active(s.cooldown_until).or(active(s.blocked_until)) {
                if matches!(
                    state,
                    CredState::Ok | CredState::Static | CredState::Expiring
                ) {
                    state = CredState::Cooldown;
                }
                reason = Some(format!(
                    "cooldown:{}",
                    s.cooldown_reason.as_deref().unwrap_or("unknown")
                ));
                unusable_until_ms = Some(until as i64);
            }
        }
        let masked = match &p.credential {
            Credential::ApiKey { key, .. } => key.as_ref().map(Secret::masked),
            Credential::Token { token, .. } => token.as_ref().map(Secret::masked),
            Credential::OAuth { .. } => p.email.clone().map(|e| format!("OAuth ({e})")),
        };
        credentials.push(CredentialReport {
            agent: a.id.to_string(),
            provider: p.provider.clone(),
            profile: p.id.clone(),
            r#type: p.credential.type_name().to_string(),
            source: (a.source_of)(&p.id).to_string(),
            expires_at_ms,
            state,
            reason,
            masked,
            in_use: in_use.contains(p.id.as_str()),
            counted: true,
            unusable_until_ms,
        });
    }
    let mut provider_set: BTreeSet<String> = a
        .store
        .profiles
        .iter()
        .map(|p| auth_key(&p.provider).into_owned())
        .collect();
    provider_set.extend(routes.iter().map(|r| r.provider.clone()));
    for (p, vars) in env_keys::PROVIDER_ENV_VARS {
        if vars.iter().any(|v| snap.env.get(v).is_some()) {
            provider_set.insert(p.to_string());
        }
    }
    let mut providers = Vec::new();
    for p in &provider_set {
        let env = env_keys::provider_env(&snap.env, p);
        if let Some((var, v)) = env {
            let oauth = var.contains("OAUTH_TOKEN");
            credentials.push(CredentialReport {
                agent: a.id.to_string(),
                provider: p.clone(),
                profile: var.to_string(),
                r#type: if oauth {
                    "oauth".into()
                } else {
                    "api_key".into()
                },
                source: v.origin.label().to_string(),
                expires_at_ms: None,
                state: CredState::Static,
                reason: None,
                masked: Some(if oauth {
                    "OAuth (env)".to_string()
                } else {
                    v.value.masked()
                }),
                in_use: in_use.contains(var),
                counted: true,
                unusable_until_ms: None,
            });
        }
        let (keys, vars) = env_keys::rotation_keys(&snap.env, p);
        providers.push(ProviderKeys {
            provider: p.clone(),
            env_var: env.map(|(v, _)| v.to_string()),
            env_source: env.map(|(_, v)| v.origin.label().to_string()),
            rotation_keys: keys.len(),
            rotation_vars: vars,
        });
    }
    for l in a.legacy {
        if let Ok(store) = &l.contents {
            for p in &store.profiles {
                let (state, expires_at_ms, reason) = profile_health(p, now, warn);
                credentials.push(CredentialReport {
                    agent: a.id.to_string(),
                    provider: p.provider.clone(),
                    profile: p.id.clone(),
                    r#type: p.credential.type_name().to_string(),
                    source: "legacy-json".into(),
                    expires_at_ms,
                    state,
                    reason: reason
                        .map(str::to_string)
                        .or(Some("not read by OpenClaw 2026.9".into())),
                    masked: None,
                    in_use: false,
                    counted: false,
                    unusable_until_ms: None,
                });
            }
        }
    }

    // Problems and verdict.
    if let Some(f) = &a.failure {
        let fix = if f.contains("doctor --fix") {
            "run `openclaw doctor --fix`".to_string()
        } else if f.contains("config") {
            "fix openclaw.json (`openclaw doctor` shows where)".to_string()
        } else if f.contains("--agent") {
            "pass --agent <id> or --all-agents, or set agents.defaults.systemAgent.agentId"
                .to_string()
        } else {
            "run `openclaw doctor`".to_string()
        };
        problems.push(Problem {
            agent: a.id.to_string(),
            provider: None,
            profile: None,
            verdict: Verdict::Failing,
            kind: "command_failed".into(),
            message: f.clone(),
            fix,
        });
    }
    let mut seen = BTreeSet::new();
    for r in &routes {
        let verdict = match r.health {
            RouteHealth::Ok => continue,
            RouteHealth::Expiring => Verdict::Expiring,
            _ => Verdict::Failing,
        };
        if !seen.insert((r.provider.clone(), r.selected.clone(), r.health as u8)) {
            continue;
        }
        // The credential behind the problem: the selected one, else the
        // provider's stored profile that could not be used (expired first).
        let cred = r
            .selected
            .as_deref()
            .and_then(|id| credentials.iter().find(|c| c.profile == id))
            .or_else(|| {
                let mine = || {
                    credentials.iter().filter(|c| {
                        c.counted
                            && auth_key(&c.provider) == r.provider
                            && c.source.ends_with("-db")
                    })
                };
                mine().find(|c| c.state == CredState::Expired).or_else(|| {
                    mine().find(|c| c.state != CredState::Ok && c.state != CredState::Static)
                })
            });
        let ty = cred.map(|c| c.r#type.as_str()).unwrap_or("");
        let (kind, message) = match (r.health, cred) {
            (RouteHealth::Unavailable, _) => (
                "runtime_unavailable",
                format!("{} is unavailable: {}", r.model, r.detail),
            ),
            (RouteHealth::Expiring, Some(c)) => (
                "expiring",
                format!(
                    "{} expires in {}",
                    c.profile,
                    crate::timefmt::human_duration(c.expires_at_ms.unwrap_or(now_ms) - now_ms)
                ),
            ),
            (RouteHealth::Missing, Some(c)) if c.state == CredState::Expired => (
                "expired",
                format!(
                    "{} expired {} ago",
                    c.profile,
                    crate::timefmt::human_duration(now_ms - c.expires_at_ms.unwrap_or(now_ms))
                ),
            ),
            (RouteHealth::Missing, Some(c))
                if matches!(c.state, CredState::Cooldown | CredState::Disabled) =>
            {
                (
                    "cooldown",
                    format!(
                        "{} is {} until {}",
                        c.profile,
                        c.state.as_str(),
                        crate::timefmt::iso(c.unusable_until_ms.unwrap_or(now_ms))
                    ),
                )
            }
            (RouteHealth::Indeterminate | RouteHealth::Missing, Some(c))
                if c.state == CredState::Expired =>
            {
                (
                    "expired",
                    format!(
                        "{} expired {} ago (OpenClaw status does not refresh OAuth)",
                        c.profile,
                        crate::timefmt::human_duration(now_ms - c.expires_at_ms.unwrap_or(now_ms))
                    ),
                )
            }
            (_, Some(c)) => (
                "missing",
                format!(
                    "{} cannot be used ({})",
                    c.profile,
                    c.reason.clone().unwrap_or_else(|| c.state.as_str().into())
                ),
            ),
            (_, None) => (
                "missing",
                format!("no usable credential for {} ({})", r.model, r.detail),
            ),
        };
        let fix = match (r.health, kind) {
            (RouteHealth::Unavailable, _) => "install/enable OpenClaw's codex plugin, or choose a non-openai default model (`openclaw models set <provider/model>`)".to_string(),
            (_, "cooldown") => "wait for the cooldown to end, or add another profile for this provider".to_string(),
            (_, "missing") if cred.is_none() => fix_for(&r.provider, "", None),
            _ => fix_for(&r.provider, ty, cred.and_then(|c| (c.source != "state-db" && c.source != "agent-db").then_some(c.profile.as_str()))),
        };
        problems.push(Problem {
            agent: a.id.to_string(),
            provider: Some(r.provider.clone()),
            profile: r
                .selected
                .clone()
                .or_else(|| cred.map(|c| c.profile.clone())),
            verdict,
            kind: kind.into(),
            message,
            fix,
        });
    }
    let verdict = problems
        .iter()
        .map(|p| p.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    problems.sort_by_key(|p| std::cmp::Reverse(p.verdict));
    AgentReport {
        agent: a.id.to_string(),
        default: a.is_default,
        agent_dir: a.dir,
        store_path: a.store_path,
        failure: a.failure,
        routes,
        credentials,
        providers,
        verdict,
        problems,
    }
}
