//! The credential rows of a report: stored profiles (with cooldowns), env
//! credentials, what legacy files hold, Claude Code's own file.

use super::credential::{ExpiryState, expiry_state, profile_health};
use crate::model::{
    AuthStore, ClaudeCodeRead, CredSource, CredState, CredType, Credential, CredentialReport,
    EnvSnapshot, Expires, LegacyFile, Profile, ProviderKeys, UsageStats,
};
use crate::openclaw::env::{provider_env, rotation_keys};
use crate::openclaw::paths::display_path;
use crate::openclaw::providers::{PROVIDER_ENV_VARS, auth_key};
use crate::secret::Secret;
use std::collections::BTreeSet;
use std::path::Path;

/// Cooldown and disabled windows still running at `now` override a usable
/// state: (state, reason, until).
fn cooldown(
    s: &UsageStats,
    state: CredState,
    now: f64,
) -> Option<(CredState, String, Option<i64>)> {
    let active = |v: Option<f64>| v.filter(|t| t.is_finite() && *t > now);
    let usable = matches!(
        state,
        CredState::Ok | CredState::Static | CredState::Expiring
    );
    let (to, word, reason, until) = if let Some(until) = active(s.disabled_until) {
        (CredState::Disabled, "disabled", &s.disabled_reason, until)
    } else {
        let until = active(s.cooldown_until).or(active(s.blocked_until))?;
        (CredState::Cooldown, "cooldown", &s.cooldown_reason, until)
    };
    let reason = format!("{word}:{}", reason.as_deref().unwrap_or("unknown"));
    Some((if usable { to } else { state }, reason, Some(until as i64)))
}

fn masked(p: &Profile) -> Option<String> {
    match &p.credential {
        Credential::ApiKey { key, .. } => key.as_ref().map(Secret::masked),
        Credential::Token { token, .. } => token.as_ref().map(Secret::masked),
        Credential::OAuth { .. } => p.email.clone().map(|e| format!("OAuth ({e})")),
    }
}

/// Everything the report says about one agent's credentials.
pub struct Rows<'a> {
    pub agent: &'a str,
    pub now: f64,
    pub warn: f64,
    pub in_use: &'a BTreeSet<&'a str>,
}

impl Rows<'_> {
    /// One row per stored profile.
    pub fn stored(
        &self,
        store: &AuthStore,
        source_of: &dyn Fn(&str) -> CredSource,
    ) -> Vec<CredentialReport> {
        store
            .profiles()
            .iter()
            .map(|p| {
                let (mut state, expires_at_ms, reason) = profile_health(p, self.now, self.warn);
                let mut reason = reason.map(str::to_string);
                let mut unusable_until_ms = None;
                let cool = store
                    .usage
                    .get(&p.id)
                    .and_then(|s| cooldown(s, state, self.now));
                if let Some((s, r, until)) = cool {
                    (state, reason, unusable_until_ms) = (s, Some(r), until);
                }
                CredentialReport {
                    agent: self.agent.to_string(),
                    provider: p.provider.clone(),
                    profile: p.id.clone(),
                    cred_type: p.credential.cred_type(),
                    source: source_of(&p.id),
                    expires_at_ms,
                    state,
                    reason,
                    masked: masked(p),
                    in_use: self.in_use.contains(p.id.as_str()),
                    counted: true,
                    unusable_until_ms,
                }
            })
            .collect()
    }

    /// The providers the report covers: stored profiles', routes' and any
    /// with a manifest variable set.
    pub fn providers(
        store: &AuthStore,
        routes: impl Iterator<Item = String>,
        env: &EnvSnapshot,
    ) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = store
            .profiles()
            .iter()
            .map(|p| auth_key(&p.provider).into_owned())
            .collect();
        set.extend(routes);
        for (p, vars) in PROVIDER_ENV_VARS {
            if vars.iter().any(|v| env.get(v).is_some()) {
                set.insert(p.to_string());
            }
        }
        set
    }

    /// Per provider: its env credential (a row) and its rotation keys.
    pub fn env(
        &self,
        providers: &BTreeSet<String>,
        env: &EnvSnapshot,
        rows: &mut Vec<CredentialReport>,
    ) -> Vec<ProviderKeys> {
        let mut out = Vec::with_capacity(providers.len());
        for p in providers {
            let found = provider_env(env, p);
            if let Some((var, v)) = found {
                let oauth = var.contains("OAUTH_TOKEN");
                rows.push(CredentialReport {
                    agent: self.agent.to_string(),
                    provider: p.clone(),
                    profile: var.to_string(),
                    cred_type: if oauth {
                        CredType::OAuth
                    } else {
                        CredType::ApiKey
                    },
                    source: v.origin.source(),
                    expires_at_ms: None,
                    state: CredState::Static,
                    reason: None,
                    masked: Some(if oauth {
                        "OAuth (env)".to_string()
                    } else {
                        v.value.masked()
                    }),
                    in_use: self.in_use.contains(var),
                    counted: true,
                    unusable_until_ms: None,
                });
            }
            let (keys, vars) = rotation_keys(env, p);
            out.push(ProviderKeys {
                provider: p.clone(),
                env_var: found.map(|(v, _)| v.to_string()),
                env_source: found.map(|(_, v)| v.origin.source().to_string()),
                rotation_keys: keys.len(),
                rotation_vars: vars,
            });
        }
        out
    }

    /// What legacy JSON files hold (shown, never counted).
    pub fn legacy(&self, files: &[LegacyFile]) -> Vec<CredentialReport> {
        let stores = files.iter().filter_map(|l| l.contents.as_ref().ok());
        stores
            .flat_map(|s| s.profiles().iter())
            .map(|p| {
                let (state, expires_at_ms, reason) = profile_health(p, self.now, self.warn);
                CredentialReport {
                    agent: self.agent.to_string(),
                    provider: p.provider.clone(),
                    profile: p.id.clone(),
                    cred_type: p.credential.cred_type(),
                    source: CredSource::LegacyJson,
                    expires_at_ms,
                    state,
                    reason: reason
                        .map(str::to_string)
                        .or(Some("not read by OpenClaw 2026.9".into())),
                    masked: None,
                    in_use: false,
                    counted: false,
                    unusable_until_ms: None,
                }
            })
            .collect()
    }
}

/// Claude Code's own credentials file, when readable (shown, not counted).
pub fn claude_code(
    read: Option<&ClaudeCodeRead>,
    home: &Path,
    now_ms: i64,
    warn_ms: i64,
) -> Vec<CredentialReport> {
    let Some((c, k)) = read.and_then(|c| c.creds.as_ref().ok().map(|k| (c, k))) else {
        return vec![];
    };
    let expires = Expires::Number(k.expires_at_ms);
    let state = match expiry_state(&expires, now_ms as f64, warn_ms as f64) {
        ExpiryState::Expired => CredState::Expired,
        ExpiryState::Expiring => CredState::Expiring,
        ExpiryState::Valid => CredState::Ok,
        _ => CredState::Missing,
    };
    vec![CredentialReport {
        agent: String::new(),
        provider: "anthropic".into(),
        profile: display_path(&c.path, home),
        cred_type: if k.has_refresh {
            CredType::OAuth
        } else {
            CredType::Token
        },
        source: CredSource::ClaudeCode,
        expires_at_ms: Some(k.expires_at_ms as i64),
        state,
        reason: k.subscription.clone().map(|s| format!("subscription:{s}")),
        masked: Some(k.token.masked()),
        in_use: false,
        counted: false,
        unusable_until_ms: None,
    }]
}
