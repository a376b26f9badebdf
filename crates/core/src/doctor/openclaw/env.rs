//! Env variables and keys: a Claude Code setup-token where an API key
//! belongs, and the gateway's rotation keys that `models status` does not
//! count.

use crate::doctor::describe::pkey;
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{AuthStore, Credential, EnvOrigin, LocalStore, Report, Snapshot, StoreRead};
use crate::openclaw::env::{provider_env, rotation_keys};
use crate::openclaw::paths::display_path;
use crate::openclaw::providers::manifest_vars;
use crate::secret::Secret;
use std::collections::BTreeSet;
use std::path::Path;

/// Anthropic's answer to a setup-token sent as an API key.
const CLAUDE_CODE_ONLY: &str = "\"This credential is only authorized for use with Claude Code and cannot be used for other API requests.\"";

/// Variables the gateway reads Anthropic API keys from.
fn is_anthropic_key_var(name: &str) -> bool {
    name == "ANTHROPIC_API_KEY"
        || name.starts_with("ANTHROPIC_API_KEY_")
        || name == "ANTHROPIC_API_KEYS"
        || name == "OPENCLAW_LIVE_ANTHROPIC_KEY"
        || name == "OPENCLAW_LIVE_ANTHROPIC_KEYS"
}

/// A Claude Code setup-token (`claude setup-token`), by its prefix.
fn is_setup_token(s: &str) -> bool {
    s.trim().starts_with("sk-ant-oat")
}

/// The file a variable was read from (None: the process environment).
fn env_origin_path(snap: &Snapshot, origin: EnvOrigin) -> Option<String> {
    let home = &snap.paths.home;
    match origin {
        EnvOrigin::Process => None,
        EnvOrigin::DotEnv => Some(display_path(&snap.paths.dotenv, home)),
        EnvOrigin::ConfigVars => Some(display_path(&snap.paths.config_path, home)),
    }
}

pub fn setup_token_in_key_var(snap: &Snapshot, out: &mut Vec<Finding>) {
    in_key_vars(snap, out);
    let mut stores: Vec<(&AuthStore, &Path)> = Vec::new();
    if let StoreRead::Loaded { store, path, .. } = &snap.shared_store {
        stores.push((store, path));
    }
    for a in &snap.agents {
        if let Some(LocalStore { store: Ok(s), path }) = &a.local_store {
            stores.push((s, path));
        }
    }
    for (store, path) in stores {
        in_api_key_profiles(snap, store, path, out);
    }
}

fn in_key_vars(snap: &Snapshot, out: &mut Vec<Finding>) {
    for (name, var) in &snap.env.vars {
        if !is_anthropic_key_var(name) {
            continue;
        }
        let token = var
            .value
            .expose()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .find(|p| is_setup_token(p));
        let Some(token) = token else { continue };
        out.push(
            Finding::new(
                FindingId::SetupTokenInApiKeyVar,
                Level::Error,
                format!(
                    "{name} (from {}) holds a Claude Code setup-token ({}), not an API key; used as an API key, Anthropic answers {CLAUDE_CODE_ONLY}",
                    var.origin.source(),
                    Secret::new(token).masked()
                ),
                format!(
                    "put an Anthropic API key (sk-ant-api…) in {name}, or store the setup-token as a token with `openclaw models auth paste-token --provider anthropic` and remove it from {name}"
                ),
            )
            .path_opt(env_origin_path(snap, var.origin)),
        );
    }
}

fn in_api_key_profiles(snap: &Snapshot, store: &AuthStore, path: &Path, out: &mut Vec<Finding>) {
    for p in store.profiles() {
        if let Credential::ApiKey { key: Some(k), .. } = &p.credential
            && pkey(&p.provider) == "anthropic"
            && is_setup_token(k.expose())
        {
            out.push(
                Finding::new(
                    FindingId::SetupTokenInApiKeyVar,
                    Level::Error,
                    format!(
                        "profile {} is an api_key profile holding a Claude Code setup-token ({}); used as an API key, Anthropic answers {CLAUDE_CODE_ONLY}",
                        p.id,
                        k.masked()
                    ),
                    "store it as a token instead: `openclaw models auth paste-token --provider anthropic` (and remove the api_key profile), or paste a real API key (sk-ant-api…)",
                )
                .path(display_path(path, &snap.paths.home)),
            );
        }
    }
}

pub fn rotation(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let routed: BTreeSet<&str> = report
        .agents
        .iter()
        .flat_map(|a| a.routes.iter().map(|r| r.provider.as_str()))
        .collect();
    out.extend(routed.into_iter().filter_map(|p| without_base_key(snap, p)));
    if let Some(v) = snap.env.get("ANTHROPIC_API_KEYS") {
        out.push(
            Finding::new(
                FindingId::RotationListVarIgnored,
                Level::Warning,
                "ANTHROPIC_API_KEYS is set, but OpenClaw 2026.9 reads it nowhere: `models status` counts only ANTHROPIC_OAUTH_TOKEN or ANTHROPIC_API_KEY, and the gateway's key rotation reads OPENCLAW_LIVE_ANTHROPIC_KEYS (its docs say ANTHROPIC_API_KEYS)",
                "rename it to OPENCLAW_LIVE_ANTHROPIC_KEYS, and set ANTHROPIC_API_KEY to the first key",
            )
            .path_opt(env_origin_path(snap, v.origin)),
        );
    }
}

/// The gateway has rotation keys for a routed provider, but none of the
/// manifest variables `models status` counts is set.
fn without_base_key(snap: &Snapshot, p: &str) -> Option<Finding> {
    let (keys, vars) = rotation_keys(&snap.env, p);
    if keys.is_empty() || provider_env(&snap.env, p).is_some() {
        return None;
    }
    let manifest = manifest_vars(p);
    let base = manifest
        .last()
        .copied()
        .unwrap_or("the provider's API-key variable");
    Some(Finding::new(
        FindingId::RotationWithoutBaseKey,
        Level::Warning,
        format!(
            "the gateway can rotate over {} {p} key(s) from {}, but `openclaw models status --check` counts only {}, so it reports {p} missing",
            keys.len(),
            vars.join(", "),
            if manifest.is_empty() {
                "manifest variables".to_string()
            } else {
                manifest.join(" or ")
            }
        ),
        format!(
            "also set {base} to one of those keys (e.g. in {})",
            display_path(&snap.paths.dotenv, &snap.paths.home)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;

    #[test]
    fn anthropic_key_vars() {
        assert!(is_anthropic_key_var("ANTHROPIC_API_KEY"));
        assert!(is_anthropic_key_var("ANTHROPIC_API_KEY_2"));
        assert!(is_anthropic_key_var("OPENCLAW_LIVE_ANTHROPIC_KEYS"));
        assert!(!is_anthropic_key_var("ANTHROPIC_OAUTH_TOKEN"));
        assert!(is_setup_token(" sk-ant-oat01-x"));
        assert!(!is_setup_token("sk-ant-api03-x"));
    }

    const OAT: &str = "sk-ant-oat01-FAKE-setup-token-000000000000";

    /// (variable, value, origin) → (ids, path).
    #[test]
    fn setup_tokens_in_key_vars_table() {
        let cases = [
            (
                "ANTHROPIC_API_KEY",
                OAT,
                EnvOrigin::Process,
                vec![FindingId::SetupTokenInApiKeyVar],
                None,
            ),
            (
                "OPENCLAW_LIVE_ANTHROPIC_KEYS",
                &*format!("sk-ant-api03-FAKE, {OAT}"),
                EnvOrigin::DotEnv,
                vec![FindingId::SetupTokenInApiKeyVar],
                Some("~/.openclaw/.env"),
            ),
            (
                "ANTHROPIC_OAUTH_TOKEN",
                OAT,
                EnvOrigin::Process,
                vec![],
                None,
            ),
            (
                "ANTHROPIC_API_KEY",
                "sk-ant-api03-FAKE",
                EnvOrigin::ConfigVars,
                vec![],
                None,
            ),
        ];
        for (name, value, origin, want, path) in cases {
            let s = env(snap(), name, value, origin);
            let mut out = Vec::new();
            setup_token_in_key_var(&s, &mut out);
            assert_eq!(ids(&out), want, "{name}");
            if let Some(f) = out.first() {
                assert_eq!(f.path.as_deref(), path);
                assert!(!f.message.contains(OAT), "{}", f.message);
            }
        }
    }

    #[test]
    fn setup_token_in_an_api_key_profile() {
        let s = store(snap(), vec![api_key("anthropic:key", OAT)]);
        let mut out = Vec::new();
        setup_token_in_key_var(&s, &mut out);
        assert_eq!(ids(&out), [FindingId::SetupTokenInApiKeyVar]);
        assert_eq!(
            out[0].path.as_deref(),
            Some("~/.openclaw/state/openclaw.sqlite")
        );
    }

    /// (env) → rotation ids, for an anthropic route.
    #[test]
    fn rotation_table() {
        type Vars = &'static [(&'static str, &'static str)];
        let cases: [(Vars, Vec<FindingId>); 4] = [
            (&[("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-a")], vec![]),
            (
                &[(
                    "OPENCLAW_LIVE_ANTHROPIC_KEYS",
                    "sk-ant-api03-FAKE-a,sk-ant-api03-FAKE-b",
                )],
                vec![FindingId::RotationWithoutBaseKey],
            ),
            (
                &[("ANTHROPIC_API_KEY_1", "sk-ant-api03-FAKE-a")],
                vec![FindingId::RotationWithoutBaseKey],
            ),
            (
                &[
                    ("ANTHROPIC_API_KEYS", "sk-ant-api03-FAKE-a"),
                    ("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-a"),
                ],
                vec![FindingId::RotationListVarIgnored],
            ),
        ];
        for (vars, want) in cases {
            let mut s = with_model("anthropic/claude-sonnet-4-6");
            for (k, v) in vars {
                s = env(s, k, v, EnvOrigin::Process);
            }
            let mut out = Vec::new();
            rotation(&s, &report(&s), &mut out);
            assert_eq!(ids(&out), want, "{vars:?}");
        }
    }
}
