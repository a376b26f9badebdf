//! Which credential a provider route uses: OpenClaw's profile order
//! (`resolveAuthProfileOrderWithMetadata`), readiness and the env-key
//! fallback (`resolveProviderEvaluation`).

use super::credential::{
    ExpiryState, Ineligible, OAUTH_REFRESH_MARGIN_MS, eligibility, expiry_state,
};
use crate::model::{AuthProfileConfig, AuthStore, CredType, Credential, EnvSnapshot, UsageStats};
use crate::openclaw::env::provider_env;
use crate::openclaw::providers::{auth_key, has_synthetic_auth, normalize};
use std::collections::HashSet;

/// What one provider route resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Some(true) usable, Some(false) unusable, None indeterminate.
    pub availability: Option<bool>,
    pub selected_profile: Option<String>,
    pub selected_env: Option<&'static str>,
    pub detail: String,
}

impl Evaluation {
    fn profile(id: &str, availability: Option<bool>, detail: String) -> Self {
        Evaluation {
            availability,
            selected_profile: Some(id.to_string()),
            selected_env: None,
            detail,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Readiness {
    Ready,
    Unknown,
    Unavailable,
}

/// One ordered profile: (id, readiness, cooling down for this model).
type Candidate = (String, Readiness, bool);

/// The inputs the resolver looks at for one agent.
pub struct Selector<'a> {
    pub store: &'a AuthStore,
    pub auth_order: &'a [(String, Vec<String>)],
    pub auth_profiles: &'a [(String, AuthProfileConfig)],
    pub env: &'a EnvSnapshot,
    pub now: f64,
}

/// `resolveProfileUnusableUntil` for a route model.
fn unusable_until(s: &UsageStats, model: &str) -> Option<f64> {
    let block_other_model = s.blocked_scope.as_deref() == Some("model")
        && s.blocked_model.as_deref().is_some_and(|m| m != model);
    let blocked = if block_other_model {
        None
    } else {
        s.blocked_until
    };
    [blocked, s.cooldown_until, s.disabled_until]
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite() && *v > 0.0)
        .reduce(f64::max)
}

/// The ids of `list` (an explicit order) for `provider`.
fn order_for<'l>(list: &'l [(String, Vec<String>)], provider: &str) -> Option<&'l [String]> {
    list.iter()
        .find(|(p, _)| auth_key(p) == provider)
        .map(|(_, ids)| ids.as_slice())
}

/// Ids once each, first position kept.
fn dedup(ids: Vec<&str>) -> Vec<&str> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

impl<'a> Selector<'a> {
    fn cfg_profile(&self, id: &str) -> Option<&AuthProfileConfig> {
        self.auth_profiles
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
            let ty = p.credential.cred_type();
            if c.mode != ty.as_str() && !(c.mode == "oauth" && ty == CredType::Token) {
                return false;
            }
        }
        matches!(
            eligibility(&p.credential, self.now),
            Ok(()) | Err(Ineligible::UnresolvedRef)
        )
    }

    fn stats(&self, id: &str) -> Option<&UsageStats> {
        self.store.usage.get(id)
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
        if matches!(normalize(&p.provider).as_ref(), "openrouter" | "kilocode") {
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
        unusable_until(s, model).is_some_and(|u| self.now < u)
    }

    fn store_ids(&self, provider: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let store = self.store;
        store
            .profiles()
            .iter()
            .filter(move |p| auth_key(&p.provider) == provider)
            .map(|p| p.id.as_str())
    }

    /// The eligible ids of the order's base list (the explicit order, else
    /// the ids `auth.profiles` declares, else the store's), and whether an
    /// order that names only unknown ids was repaired from the store.
    fn eligible_ids(
        &self,
        provider: &'a str,
        explicit: Option<&'a [String]>,
        from_store: bool,
    ) -> Option<(Vec<&'a str>, bool)> {
        let declared: Vec<&'a str> = self
            .auth_profiles
            .iter()
            .filter(|(_, c)| auth_key(&c.provider) == provider)
            .map(|(id, _)| id.as_str())
            .collect();
        let base: Vec<&'a str> = match explicit {
            Some(e) => e.iter().map(String::as_str).collect(),
            None if !declared.is_empty() => declared.clone(),
            None => self.store_ids(provider).collect(),
        };
        if base.is_empty() {
            return None;
        }
        let filtered: Vec<&str> = base
            .iter()
            .copied()
            .filter(|id| self.eligible(provider, id))
            .collect();
        let all_missing = base.iter().all(|id| self.store.profile(id).is_none());
        if filtered.is_empty() && all_missing && (from_store || !declared.is_empty()) {
            let repaired = self
                .store_ids(provider)
                .filter(|id| self.eligible(provider, id))
                .collect();
            return Some((repaired, true));
        }
        Some((filtered, false))
    }

    /// OpenClaw's default order: oauth < token < api_key, non-expired OAuth
    /// first, least recently used first (a stable sort, keys computed once).
    fn sort_by_type(&self, ids: Vec<&'a str>) -> Vec<&'a str> {
        let mut keyed: Vec<((u8, u8, f64), &str)> = ids
            .into_iter()
            .map(|id| {
                let p = self.store.profile(id);
                let type_score = match p.map(|p| p.credential.cred_type()) {
                    Some(CredType::OAuth) => 0,
                    Some(CredType::Token) => 1,
                    Some(CredType::ApiKey) => 2,
                    None => 3,
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
        keyed.into_iter().map(|(_, id)| id).collect()
    }

    /// `resolveAuthProfileOrderWithMetadata`: (ordered ids, explicit order?).
    pub fn profile_order(&self, provider: &'a str, model: &str) -> (Vec<String>, bool) {
        let store_order = order_for(&self.store.order, provider);
        let explicit = store_order.or_else(|| order_for(self.auth_order, provider));
        let Some((ids, repaired)) = self.eligible_ids(provider, explicit, store_order.is_some())
        else {
            return (vec![], explicit.is_some());
        };
        let (avail, mut cooling): (Vec<&str>, Vec<&str>) = dedup(ids)
            .into_iter()
            .partition(|id| !self.in_cooldown(id, model));
        if cooling.len() > 1 {
            let until = |id: &str| {
                self.stats(id)
                    .and_then(|s| unusable_until(s, model))
                    .unwrap_or(self.now)
            };
            cooling.sort_by(|a, b| until(a).total_cmp(&until(b)));
        }
        let keep_order = explicit.is_some_and(|e| !e.is_empty()) && !repaired;
        let avail = if keep_order {
            avail
        } else {
            self.sort_by_type(avail)
        };
        let out = avail
            .into_iter()
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
            Credential::OAuth { .. } => self.oauth_readiness(provider, &p.credential),
        }
    }

    fn oauth_readiness(&self, provider: &str, c: &Credential) -> Readiness {
        let Credential::OAuth {
            access,
            refresh,
            oauth_ref,
            expires,
            refresh_fence,
        } = c
        else {
            return Readiness::Unavailable;
        };
        let fresh = expiry_state(expires, self.now, OAUTH_REFRESH_MARGIN_MS) == ExpiryState::Valid;
        if *refresh_fence {
            Readiness::Unavailable
        } else if access.is_some() && fresh {
            Readiness::Ready
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

    /// Any config or store entry for the provider (then a missing env key
    /// is "missing", not "indeterminate").
    fn has_profile_evidence(&self, provider: &str) -> bool {
        self.auth_order.iter().any(|(p, _)| auth_key(p) == provider)
            || self
                .auth_profiles
                .iter()
                .any(|(_, c)| auth_key(&c.provider) == provider)
            || self
                .store
                .profiles()
                .iter()
                .any(|p| auth_key(&p.provider) == provider)
    }

    /// The direct (non-profile) source: the env key, synthetic auth, or
    /// nothing.
    fn direct(&self, provider: &str, model: &str) -> Evaluation {
        match provider_env(self.env, provider) {
            Some((var, _)) => Evaluation {
                availability: Some(true),
                selected_profile: None,
                selected_env: Some(var),
                detail: format!("env {var}"),
            },
            None if has_synthetic_auth(provider) => Evaluation {
                availability: None,
                selected_profile: None,
                selected_env: None,
                detail: format!("Auth readiness could not be confirmed for {provider}/{model}"),
            },
            None => Evaluation {
                availability: self.has_profile_evidence(provider).then_some(false),
                selected_profile: None,
                selected_env: None,
                detail: format!("no credential for {provider}"),
            },
        }
    }

    /// The first usable profile, preferring a ready one over one whose
    /// readiness is unknown.
    fn pick_usable(usable: &[&Candidate]) -> Evaluation {
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
        Evaluation::profile(&winner.0, availability, detail)
    }

    /// `resolveProviderEvaluation` for one route.
    pub fn evaluate_provider(&self, provider: &'a str, model: &str) -> Evaluation {
        let (order, explicit) = self.profile_order(provider, model);
        let ambient = provider_env(self.env, provider).is_some();
        let has_fallback = ambient || has_synthetic_auth(provider);
        let profiles: Vec<Candidate> = order
            .iter()
            .map(|id| {
                let ready = self.readiness(provider, id);
                (id.clone(), ready, self.in_cooldown(id, model))
            })
            .collect();
        let available: Vec<&Candidate> = profiles
            .iter()
            .filter(|p| p.1 != Readiness::Unavailable)
            .collect();
        let usable: Vec<&Candidate> = available.iter().copied().filter(|p| !p.2).collect();
        if let (Some(first), true) = (available.first(), usable.is_empty()) {
            let detail = format!("profile {} is cooling down or disabled", first.0);
            return Evaluation::profile(&first.0, Some(false), detail);
        }
        if explicit && available.is_empty() {
            return Evaluation {
                availability: Some(false),
                selected_profile: profiles.first().map(|p| p.0.clone()),
                selected_env: None,
                detail: format!("explicit auth order for {provider} has no usable profiles"),
            };
        }
        if !usable.is_empty() {
            return Self::pick_usable(&usable);
        }
        // An ambient env key is not used while profiles are declared.
        let fallback_allowed = has_fallback && (!ambient || profiles.is_empty());
        match profiles.first() {
            Some(first) if !fallback_allowed => {
                let detail = format!("profile {} is not usable", first.0);
                Evaluation::profile(&first.0, Some(false), detail)
            }
            _ => self.direct(provider, model),
        }
    }
}
