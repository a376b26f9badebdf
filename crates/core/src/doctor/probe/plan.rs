//! Which requests a probe sends: per agent and provider of the configured
//! routes, the selected credential followed by the gateway's rotation keys
//! (`rotation_keys`), deduplicated, to the provider's cheapest
//! authenticated GET.

use super::rotate::{KeyLabel, ProbeKey};
use crate::doctor::describe::route_desc;
use crate::doctor::stored::stored_profile;
use crate::model::{
    AgentReport, CredType, Credential, EnvSnapshot, Profile, Report, RouteHealth, Snapshot,
};
use crate::openclaw::env::rotation_keys;
use crate::secret::Secret;
use std::collections::BTreeMap;

/// Per provider: the default base URL and the cheapest authenticated GET.
struct Spec {
    provider: &'static str,
    base: &'static str,
    path: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        provider: "anthropic",
        base: "https://api.anthropic.com",
        path: "/v1/models",
    },
    Spec {
        provider: "openai",
        base: "https://api.openai.com",
        path: "/v1/models",
    },
    Spec {
        provider: "xai",
        base: "https://api.x.ai",
        path: "/v1/models",
    },
    Spec {
        provider: "openrouter",
        base: "https://openrouter.ai",
        path: "/api/v1/key",
    },
    Spec {
        provider: "google",
        base: "https://generativelanguage.googleapis.com",
        path: "/v1beta/models",
    },
];

#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub agent: String,
    pub provider: String,
    /// What the routes selected (profile id or env var); None = only the
    /// gateway's rotation keys.
    pub selected: Option<String>,
    pub routes: Vec<String>,
    /// None when clawwatch has no probe for this provider.
    pub url: Option<String>,
    pub keys: Vec<ProbeKey>,
    /// Why nothing can be sent for the selected credential (a keyRef, …).
    pub note: Option<String>,
}

/// The probe targets: per agent and provider of the configured routes, the
/// selected credential followed by the gateway's rotation keys. The same
/// keys for the same provider are probed once.
pub fn plan(
    snap: &Snapshot,
    report: &Report,
    base_urls: &BTreeMap<String, String>,
) -> Vec<ProbeTarget> {
    let mut out: Vec<ProbeTarget> = Vec::new();
    for a in &report.agents {
        for ((provider, selected), routes) in route_groups(a) {
            let (mut keys, note) = match &selected {
                Some(sel) => selected_key(snap, &a.agent, sel),
                None => (vec![], None),
            };
            add_rotation_keys(&snap.env, &provider, &mut keys);
            if keys.is_empty() && note.is_none() {
                continue;
            }
            if is_duplicate(&out, &provider, &keys, &note) {
                continue;
            }
            out.push(ProbeTarget {
                agent: a.agent.clone(),
                url: probe_url(&provider, base_urls),
                provider,
                selected,
                routes,
                keys,
                note,
            });
        }
    }
    out
}

/// (provider, selected) → the routes that use it, in route order.
type Group = ((String, Option<String>), Vec<String>);

fn route_groups(a: &AgentReport) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for r in &a.routes {
        if r.health == RouteHealth::Unavailable {
            continue;
        }
        let key = (r.provider.clone(), r.selected.clone());
        let desc = route_desc(r);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(desc),
            None => groups.push((key, vec![desc])),
        }
    }
    groups
}

/// The selected credential's key (a stored profile's secret, else the env
/// variable's value), or why it cannot be sent.
fn selected_key(snap: &Snapshot, agent: &str, sel: &str) -> (Vec<ProbeKey>, Option<String>) {
    if let Some(p) = stored_profile(snap, agent, sel) {
        return match profile_key(sel, p) {
            Some(k) => (vec![k], None),
            None => (
                vec![],
                Some(format!(
                    "{sel} holds a secret reference, not a value; clawwatch does not resolve references"
                )),
            ),
        };
    }
    let Some(v) = snap.env.get(sel) else {
        return (vec![], None);
    };
    // OAuth token variables (ANTHROPIC_OAUTH_TOKEN, …) are sent as bearer.
    let bearer = sel.contains("OAUTH_TOKEN");
    let key = ProbeKey {
        label: KeyLabel::Var(sel.to_string()),
        secret: Secret::new(v.value.expose().trim()),
        bearer,
        cred_type: if bearer {
            CredType::OAuth
        } else {
            CredType::ApiKey
        },
        expires_at_ms: None,
    };
    (vec![key], None)
}

/// A stored profile's key; None when it holds no value (a reference).
fn profile_key(sel: &str, p: &Profile) -> Option<ProbeKey> {
    let (secret, bearer, expires) = match &p.credential {
        Credential::ApiKey { key, .. } => (key, false, None),
        Credential::Token { token, expires, .. } => (token, true, expires.valid_ms()),
        Credential::OAuth {
            access, expires, ..
        } => (access, true, expires.valid_ms()),
    };
    let s = secret.as_ref().filter(|s| !s.is_blank())?;
    Some(ProbeKey {
        label: KeyLabel::Profile(sel.to_string()),
        secret: Secret::new(s.expose().trim()),
        bearer,
        cred_type: p.credential.cred_type(),
        expires_at_ms: expires,
    })
}

/// The gateway's rotation keys after the selected one, skipping repeats.
fn add_rotation_keys(env: &EnvSnapshot, provider: &str, keys: &mut Vec<ProbeKey>) {
    let (rot, vars) = rotation_keys(env, provider);
    for k in rot {
        if keys.iter().any(|x| x.secret.expose() == k.expose()) {
            continue;
        }
        keys.push(ProbeKey {
            label: key_label(env, &vars, &k),
            secret: k,
            bearer: false,
            cred_type: CredType::ApiKey,
            expires_at_ms: None,
        });
    }
}

/// The variable a rotation key came from (`VAR[n]` within a list).
fn key_label(env: &EnvSnapshot, vars: &[String], key: &Secret) -> KeyLabel {
    for v in vars {
        let Some(ev) = env.get(v) else { continue };
        let parts: Vec<&str> = ev
            .value
            .expose()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(i) = parts.iter().position(|p| *p == key.expose()) {
            return if parts.len() > 1 || v.ends_with("KEYS") {
                KeyLabel::ListEntry {
                    var: v.clone(),
                    index: i + 1,
                }
            } else {
                KeyLabel::Var(v.clone())
            };
        }
    }
    KeyLabel::Unnamed
}

/// The provider's probe URL (`[doctor] base_urls` overrides the base).
fn probe_url(provider: &str, base_urls: &BTreeMap<String, String>) -> Option<String> {
    let s = SPECS.iter().find(|s| s.provider == provider)?;
    let base = base_urls
        .get(provider)
        .map(|b| b.trim())
        .filter(|b| !b.is_empty())
        .unwrap_or(s.base);
    Some(format!("{}{}", base.trim_end_matches('/'), s.path))
}

/// An earlier target already sends the same keys to the same provider.
fn is_duplicate(
    out: &[ProbeTarget],
    provider: &str,
    keys: &[ProbeKey],
    note: &Option<String>,
) -> bool {
    out.iter().any(|t| {
        t.provider == provider
            && t.keys.len() == keys.len()
            && t.keys
                .iter()
                .zip(keys)
                .all(|(x, y)| x.secret == y.secret && x.bearer == y.bearer)
            && t.note == *note
    })
}
