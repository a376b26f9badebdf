//! The credential-store JSON shape shared by every backend (SQLite rows and
//! the legacy auth-profiles.json), coerced the way OpenClaw 2026.9 coerces it:
//! bad entries are dropped one by one, never the whole store.

use crate::model::{AuthStore, Credential, Expires, Profile, UsageStats};
use crate::secret::Secret;
use serde_json::{Map, Value};

/// Parse `{"version":1,"profiles":{…}, [order, usageStats]}`.
/// Returns the store and one message per dropped entry.
pub fn parse_store(raw: &Value) -> Result<(AuthStore, Vec<String>), String> {
    let obj = raw
        .as_object()
        .ok_or_else(|| format!("expected a JSON object, found {}", json_type(raw)))?;
    let profiles = match obj.get("profiles") {
        Some(Value::Object(p)) => p,
        Some(other) => {
            return Err(format!(
                "\"profiles\" must be an object, found {}",
                json_type(other)
            ));
        }
        None => return Err("no \"profiles\" object".to_string()),
    };
    let mut store = AuthStore::default();
    let mut dropped = Vec::new();
    for (id, entry) in profiles {
        match parse_credential(id, entry, None) {
            Ok(p) => store.profiles.push(p),
            Err(why) => dropped.push(format!("profile {id:?} ignored: {why}")),
        }
    }
    apply_state(&mut store, obj);
    Ok((store, dropped))
}

/// The flat legacy `auth.json` shape: `{provider: credential}`.
pub fn parse_flat_store(raw: &Value) -> Result<(AuthStore, Vec<String>), String> {
    let obj = raw
        .as_object()
        .ok_or_else(|| format!("expected a JSON object, found {}", json_type(raw)))?;
    let mut store = AuthStore::default();
    let mut dropped = Vec::new();
    for (provider, entry) in obj {
        match parse_credential(&format!("{provider}:default"), entry, Some(provider)) {
            Ok(p) => store.profiles.push(p),
            Err(why) => dropped.push(format!("entry {provider:?} ignored: {why}")),
        }
    }
    Ok((store, dropped))
}

/// Merge a runtime-state object (`order`, `usageStats`) into the store.
pub fn apply_state(store: &mut AuthStore, obj: &Map<String, Value>) {
    if let Some(Value::Object(order)) = obj.get("order") {
        for (provider, list) in order {
            let Value::Array(items) = list else { continue };
            let key = normalize_provider(provider);
            if key.is_empty() {
                continue;
            }
            let ids: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if ids.is_empty() {
                continue;
            }
            store.order.retain(|(p, _)| p != &key);
            store.order.push((key, ids));
        }
    }
    if let Some(Value::Object(stats)) = obj.get("usageStats") {
        for (id, v) in stats {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            if let Some(s) = parse_usage(v) {
                store.usage.insert(id.to_string(), s);
            }
        }
    }
}

/// Overlay `top` on `base` the way OpenClaw merges an agent store over the
/// shared one: profiles by id, order by provider, usage stats by id.
pub fn merge(base: &AuthStore, top: &AuthStore) -> AuthStore {
    let mut out = base.clone();
    for p in &top.profiles {
        if let Some(slot) = out.profiles.iter_mut().find(|q| q.id == p.id) {
            *slot = p.clone();
        } else {
            out.profiles.push(p.clone());
        }
    }
    for (prov, ids) in &top.order {
        if let Some(slot) = out.order.iter_mut().find(|(p, _)| p == prov) {
            slot.1 = ids.clone();
        } else {
            out.order.push((prov.clone(), ids.clone()));
        }
    }
    for (id, s) in &top.usage {
        out.usage.insert(id.clone(), s.clone());
    }
    out
}

pub fn normalize_provider(p: &str) -> String {
    p.trim().to_lowercase()
}

fn non_blank(v: Option<&Value>) -> Option<Secret> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(Secret::new(s.trim())),
        _ => None,
    }
}

fn is_secret_ref(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Object(o)) => {
            matches!(
                o.get("source").and_then(Value::as_str),
                Some("env" | "file" | "exec")
            ) && o
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty())
        }
        _ => false,
    }
}

fn parse_expires(v: Option<&Value>) -> Expires {
    match v {
        None => Expires::Absent,
        Some(Value::Number(n)) => Expires::Number(n.as_f64().unwrap_or(f64::NAN)),
        Some(other) => Expires::NotANumber(json_type(other).to_string()),
    }
}

/// Coerce one credential entry. `fallback_provider` is used by flat stores.
pub fn parse_credential(
    id: &str,
    entry: &Value,
    fallback_provider: Option<&str>,
) -> Result<Profile, String> {
    let Value::Object(o) = entry else {
        return Err(format!("not an object ({})", json_type(entry)));
    };
    let mut ty = o.get("type").and_then(Value::as_str).map(str::to_string);
    if !o.contains_key("type") {
        ty = o.get("mode").and_then(Value::as_str).map(str::to_string);
    }
    if ty.as_deref() == Some("apiKey") {
        ty = Some("api_key".into());
    }
    let provider = o
        .get("provider")
        .and_then(Value::as_str)
        .map(normalize_provider)
        .filter(|p| !p.is_empty())
        .or_else(|| fallback_provider.map(normalize_provider))
        .filter(|p| !p.is_empty());
    let credential = match ty.as_deref() {
        Some("api_key") => {
            let raw_key = o.get("key").or_else(|| o.get("apiKey"));
            let key_ref = is_secret_ref(o.get("keyRef")) || is_secret_ref(raw_key);
            Credential::ApiKey {
                key: non_blank(raw_key),
                key_ref,
            }
        }
        Some("token") => Credential::Token {
            token: non_blank(o.get("token")),
            token_ref: is_secret_ref(o.get("tokenRef")) || is_secret_ref(o.get("token")),
            expires: parse_expires(o.get("expires")),
        },
        Some("oauth") => {
            let access = non_blank(o.get("access"));
            let refresh = non_blank(o.get("refresh"));
            let expires = parse_expires(o.get("expires"));
            let fence = |s: &Option<Secret>| {
                s.as_ref()
                    .is_some_and(|s| s.expose().starts_with("openclaw-oauth-refresh-fence:v1:"))
            };
            let refresh_fence =
                expires == Expires::Number(1.0) && fence(&access) && fence(&refresh);
            Credential::OAuth {
                access,
                refresh,
                oauth_ref: o.get("oauthRef").is_some_and(Value::is_object),
                expires,
                refresh_fence,
            }
        }
        Some(other) => {
            return Err(format!(
                "unknown type {other:?} (expected api_key, token or oauth)"
            ));
        }
        None => return Err("no \"type\" (expected api_key, token or oauth)".into()),
    };
    let provider = provider.ok_or("no \"provider\"")?;
    let setup_inactive = o.get("setup").and_then(Value::as_object).is_some_and(|s| {
        s.get("replacement").and_then(Value::as_bool) == Some(true)
            && s.get("modelRef")
                .and_then(Value::as_str)
                .is_some_and(|m| !m.trim().is_empty())
            && s.get("configJson")
                .and_then(Value::as_str)
                .is_some_and(|m| !m.trim().is_empty())
    });
    Ok(Profile {
        id: id.to_string(),
        provider,
        credential,
        setup_inactive,
        email: o
            .get("email")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    })
}

fn finite(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| f.is_finite())
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_usage(v: &Value) -> Option<UsageStats> {
    let o = v.as_object()?;
    let s = UsageStats {
        last_used: finite(o.get("lastUsed")).unwrap_or(0.0),
        cooldown_until: finite(o.get("cooldownUntil")),
        cooldown_reason: text(o.get("cooldownReason")),
        cooldown_model: text(o.get("cooldownModel")),
        disabled_until: finite(o.get("disabledUntil")),
        disabled_reason: text(o.get("disabledReason")),
        blocked_until: finite(o.get("blockedUntil")),
        blocked_scope: text(o.get("blockedScope")).filter(|s| s == "model"),
        blocked_model: text(o.get("blockedModel")),
    };
    Some(s)
}

pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_entries_are_dropped_one_by_one() {
        let raw = json!({"version":1,"profiles":{
            "a:ok": {"type":"token","provider":"Anthropic","token":"FAKE","expires":5},
            "b:bad": {"type":"weird","provider":"x"},
            "c:noprov": {"type":"api_key","key":"FAKE"},
            "d:str": "nope"
        }});
        let (store, dropped) = parse_store(&raw).unwrap();
        assert_eq!(store.profiles.len(), 1);
        assert_eq!(store.profiles[0].provider, "anthropic");
        assert_eq!(dropped.len(), 3);
    }

    #[test]
    fn wrong_types_inside_a_profile_do_not_panic() {
        let raw = json!({"profiles":{
            "a": {"type":"token","provider":"anthropic","token":42,"expires":"soon"},
            "b": {"type":"oauth","provider":"anthropic","access":[1],"expires":null}
        }});
        let (store, _) = parse_store(&raw).unwrap();
        assert_eq!(store.profiles.len(), 2);
        assert!(matches!(
            store.profiles[0].credential,
            Credential::Token {
                token: None,
                expires: Expires::NotANumber(_),
                ..
            }
        ));
    }

    #[test]
    fn empty_order_lists_are_dropped() {
        let mut store = AuthStore::default();
        let state = json!({"order":{"Anthropic":[], "openai":[" a ", "", 3]}});
        apply_state(&mut store, state.as_object().unwrap());
        assert_eq!(
            store.order,
            vec![("openai".to_string(), vec!["a".to_string()])]
        );
    }
}
