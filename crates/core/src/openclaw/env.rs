//! Credential environment variables: OpenClaw's precedence between the
//! process environment, the .env files and config `env.vars`; the variable
//! `models status` uses per provider; and the gateway's rotation keys (which
//! `models status --check` does not count).
//!
//! Precedence (OpenClaw docs/help/environment.md): the process environment is
//! never overridden; `<state>/.env`, then `~/.config/openclaw/gateway.env`,
//! then `env.vars` in openclaw.json fill only variables that are unset.

use super::providers::{PROVIDER_ENV_VARS, auth_alias, manifest_vars};
use crate::model::{EnvOrigin, EnvSnapshot, EnvVar};
use crate::secret::Secret;

/// Whether a variable can hold a model credential (so the snapshot keeps it).
pub fn is_credential_var(name: &str) -> bool {
    PROVIDER_ENV_VARS
        .iter()
        .any(|(_, vars)| vars.contains(&name))
        || name.starts_with("OPENCLAW_LIVE_")
        || name.ends_with("_API_KEY")
        || name.ends_with("_API_KEYS")
        || name.contains("_API_KEY_")
}

/// Apply OpenClaw's precedence: `layers` in order, each filling only names
/// not yet set (a blank but set process variable still blocks later layers).
pub fn layer(
    process: impl IntoIterator<Item = (String, String)>,
    later: Vec<(EnvOrigin, Vec<(String, Secret)>)>,
) -> EnvSnapshot {
    let mut snap = EnvSnapshot::default();
    for (k, v) in process {
        if is_credential_var(&k) {
            snap.vars.insert(
                k,
                EnvVar {
                    value: Secret::new(v),
                    origin: EnvOrigin::Process,
                },
            );
        }
    }
    for (origin, pairs) in later {
        for (k, v) in pairs {
            if !is_credential_var(&k) {
                continue;
            }
            // dotenv files fill only unset names (a blank value blocks them);
            // config env.vars also fill names whose value is blank.
            let fill = match snap.vars.get(&k) {
                None => true,
                Some(cur) => origin == EnvOrigin::ConfigVars && cur.value.is_blank(),
            };
            if fill {
                snap.vars.insert(k, EnvVar { value: v, origin });
            }
        }
    }
    snap
}

/// The env credential `models status` would use for a provider: the first
/// manifest variable that is set and not blank.
pub fn provider_env<'a>(
    env: &'a EnvSnapshot,
    provider: &str,
) -> Option<(&'static str, &'a EnvVar)> {
    manifest_vars(provider)
        .iter()
        .find_map(|name| env.get(name).map(|v| (*name, v)))
}

struct RotationVars {
    live_single: String,
    list_var: String,
    primary: String,
    prefix: String,
    fallback: &'static [&'static str],
}

fn rotation_vars(provider: &str) -> RotationVars {
    let p = auth_alias(provider);
    let base = match p {
        "google" | "google-vertex" => "GEMINI".to_string(),
        other => other.to_uppercase().replace('-', "_"),
    };
    let list_var = if p == "anthropic" {
        // The gateway's own table (api-key-rotation) uses this name for anthropic.
        "OPENCLAW_LIVE_ANTHROPIC_KEYS".to_string()
    } else {
        format!("{base}_API_KEYS")
    };
    RotationVars {
        live_single: format!("OPENCLAW_LIVE_{base}_KEY"),
        list_var,
        primary: format!("{base}_API_KEY"),
        prefix: format!("{base}_API_KEY_"),
        fallback: if matches!(p, "google" | "google-vertex") {
            &["GOOGLE_API_KEY"]
        } else {
            &[]
        },
    }
}

/// The gateway's request-time key list for a provider, in rotation order,
/// deduplicated: OPENCLAW_LIVE_<P>_KEY (pins one key) > list var >
/// <P>_API_KEY > <P>_API_KEY_* > Google's GOOGLE_API_KEY > manifest vars.
/// Returns the keys and the variables they came from.
pub fn rotation_keys(env: &EnvSnapshot, provider: &str) -> (Vec<Secret>, Vec<String>) {
    let rv = rotation_vars(provider);
    if let Some(v) = env.get(&rv.live_single) {
        return (
            vec![Secret::new(v.value.expose().trim())],
            vec![rv.live_single],
        );
    }
    let mut keys: Vec<Secret> = Vec::new();
    let mut vars: Vec<String> = Vec::new();
    let mut add = |value: &str, var: &str| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if !keys.iter().any(|k| k.expose() == value) {
            keys.push(Secret::new(value));
        }
        if !vars.iter().any(|v| v == var) {
            vars.push(var.to_string());
        }
    };
    if let Some(v) = env.get(&rv.list_var) {
        for part in v
            .value
            .expose()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        {
            add(part, &rv.list_var);
        }
    }
    if let Some(v) = env.get(&rv.primary) {
        add(v.value.expose(), &rv.primary);
    }
    for (name, v) in env.vars.range(rv.prefix.clone()..) {
        if !name.starts_with(&rv.prefix) {
            break;
        }
        add(v.value.expose(), name);
    }
    for name in rv.fallback.iter().chain(manifest_vars(provider)) {
        if let Some(v) = env.get(name) {
            add(v.value.expose(), name);
        }
    }
    (keys, vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvSnapshot {
        layer(
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            vec![],
        )
    }

    #[test]
    fn live_single_pins_one_key() {
        let e = env(&[("OPENCLAW_LIVE_OPENAI_KEY", "k1"), ("OPENAI_API_KEY", "k2")]);
        let (keys, vars) = rotation_keys(&e, "openai");
        assert_eq!(keys.len(), 1);
        assert_eq!(vars, vec!["OPENCLAW_LIVE_OPENAI_KEY"]);
    }

    #[test]
    fn order_and_dedup() {
        let e = env(&[
            ("OPENAI_API_KEYS", "a, b;c"),
            ("OPENAI_API_KEY", "b"),
            ("OPENAI_API_KEY_2", "d"),
            ("OPENAI_API_KEY_1", "a"),
        ]);
        let (keys, _) = rotation_keys(&e, "openai");
        let got: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        assert_eq!(got, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn google_uses_gemini_names_and_google_api_key() {
        let e = env(&[("GEMINI_API_KEY", "g1"), ("GOOGLE_API_KEY", "g2")]);
        assert_eq!(rotation_keys(&e, "google").0.len(), 2);
    }

    #[test]
    fn blank_process_value_blocks_dotenv() {
        let snap = layer(
            vec![("ANTHROPIC_API_KEY".to_string(), " ".to_string())],
            vec![(
                EnvOrigin::DotEnv,
                vec![("ANTHROPIC_API_KEY".to_string(), Secret::new("FAKE"))],
            )],
        );
        assert!(provider_env(&snap, "anthropic").is_none());
    }
}

#[cfg(test)]
mod precedence_tests {
    use super::*;

    #[test]
    fn config_vars_fill_a_blank_process_value_but_dotenv_does_not() {
        let pairs = |v: &str| vec![("ANTHROPIC_API_KEY".to_string(), Secret::new(v))];
        let snap = layer(
            vec![("ANTHROPIC_API_KEY".to_string(), " ".to_string())],
            vec![
                (EnvOrigin::DotEnv, pairs("FAKE-dotenv")),
                (EnvOrigin::ConfigVars, pairs("FAKE-config")),
            ],
        );
        let (_, v) = provider_env(&snap, "anthropic").expect("config value used");
        assert_eq!(v.origin, EnvOrigin::ConfigVars);
        let snap = layer(
            vec![],
            vec![
                (EnvOrigin::DotEnv, pairs("FAKE-dotenv")),
                (EnvOrigin::ConfigVars, pairs("FAKE-config")),
            ],
        );
        assert_eq!(
            provider_env(&snap, "anthropic").map(|(_, v)| v.origin),
            Some(EnvOrigin::DotEnv)
        );
    }
}
