//! The credential-store JSON shape shared by every backend (SQLite rows and
//! the legacy auth-profiles.json), coerced the way OpenClaw 2026.9 coerces it:
//! bad entries are dropped one by one, never the whole store.
//!
//! Stores are read straight into the few fields the rules look at (see
//! [`raw`]) instead of a `serde_json::Value` tree: with 1,000 agent stores
//! the generic tree (an ordered, hashed map per object) cost more than
//! SQLite did. The readers accept any JSON shape, so only a syntax error
//! fails a document; wrong types are coerced below exactly as before.

mod raw;

use clawwatch_core::model::{AuthStore, Credential, Expires, Profile, UsageStats};
use clawwatch_core::openclaw::providers::normalize;
use clawwatch_core::secret::Secret;
use raw::{Doc, Entry, ObjOr, RawProfile, RawUsage, Val};
use serde::Deserialize;
use serde_json::Value;

/// Parse `{"version":1,"profiles":{…}, [order, usageStats]}`.
/// Returns the store and one message per dropped entry.
pub fn parse_store(raw: &Value) -> Result<(AuthStore, Vec<String>), String> {
    store_from_doc(&ObjOr::<Doc>::deserialize(raw).map_err(|e| e.to_string())?)
}

/// [`parse_store`] on JSON text (a SQLite row). `what` names the row in
/// messages: "<what> is not valid JSON (…)" or "<what>: <shape problem>".
pub fn parse_store_str(text: &str, what: &str) -> Result<(AuthStore, Vec<String>), String> {
    store_from_doc(&read_doc(text, what)?).map_err(|e| format!("{what}: {e}"))
}

/// Merge a runtime-state row (`order`, `usageStats`) given as JSON text into
/// the store; anything but an object is ignored, invalid JSON is an error.
pub fn apply_state_str(store: &mut AuthStore, text: &str, what: &str) -> Result<(), String> {
    if let ObjOr::Obj(d) = &read_doc(text, what)? {
        apply_state(store, d);
    }
    Ok(())
}

fn read_doc(text: &str, what: &str) -> Result<ObjOr<Doc>, String> {
    serde_json::from_str(text).map_err(|e| {
        // Skipped members report some syntax errors in other words; name
        // the error as a full parse does (this path is rare).
        let e = serde_json::from_str::<Value>(text).err().unwrap_or(e);
        format!("{what} is not valid JSON ({e})")
    })
}

fn store_from_doc(doc: &ObjOr<Doc>) -> Result<(AuthStore, Vec<String>), String> {
    let obj = match doc {
        ObjOr::Obj(d) => d,
        ObjOr::Not(k) => return Err(format!("expected a JSON object, found {}", k.describe())),
    };
    let profiles = match &obj.profiles {
        Some(ObjOr::Obj(p)) => p,
        Some(ObjOr::Not(k)) => {
            return Err(format!(
                "\"profiles\" must be an object, found {}",
                k.describe()
            ));
        }
        None => return Err("no \"profiles\" object".to_string()),
    };
    let mut store = AuthStore::default();
    let mut dropped = Vec::new();
    for (id, entry) in profiles {
        match parse_entry(id, entry, None) {
            Ok(p) => store.upsert(p),
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
        let entry = Entry::deserialize(entry).map_err(|e| e.to_string())?;
        match parse_entry(&format!("{provider}:default"), &entry, Some(provider)) {
            Ok(p) => store.upsert(p),
            Err(why) => dropped.push(format!("entry {provider:?} ignored: {why}")),
        }
    }
    Ok((store, dropped))
}

/// Merge a runtime-state object (`order`, `usageStats`) into the store.
fn apply_state(store: &mut AuthStore, obj: &Doc) {
    if let Some(ObjOr::Obj(order)) = &obj.order {
        for (provider, list) in order {
            let Val::Arr(items) = list else { continue };
            let key = normalize(provider).into_owned();
            if key.is_empty() {
                continue;
            }
            let ids: Vec<String> = items
                .iter()
                .filter_map(Val::as_str)
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
    if let Some(ObjOr::Obj(stats)) = &obj.usage_stats {
        for (id, v) in stats {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            if let ObjOr::Obj(u) = v {
                store.usage.insert(id.to_string(), parse_usage(u));
            }
        }
    }
}

fn non_blank(v: Option<&Val>) -> Option<Secret> {
    match v.and_then(Val::as_str) {
        Some(s) if !s.trim().is_empty() => Some(Secret::new(s.trim())),
        _ => None,
    }
}

fn is_secret_ref(v: Option<&Val>) -> bool {
    match v {
        Some(Val::Obj(o)) => {
            matches!(o.source.as_deref(), Some("env" | "file" | "exec"))
                && o.id.as_deref().is_some_and(|s| !s.trim().is_empty())
        }
        _ => false,
    }
}

fn parse_expires(v: Option<&Val>) -> Expires {
    match v {
        None => Expires::Absent,
        Some(Val::Num(n)) => Expires::Number(*n),
        Some(other) => Expires::NotANumber(other.kind().describe().to_string()),
    }
}

/// Coerce one credential entry. `fallback_provider` is used by flat stores.
fn parse_entry(
    id: &str,
    entry: &Entry,
    fallback_provider: Option<&str>,
) -> Result<Profile, String> {
    let o = match entry {
        ObjOr::Obj(o) => o,
        ObjOr::Not(k) => return Err(format!("not an object ({})", k.describe())),
    };
    parse_credential(id, o, fallback_provider)
}

fn parse_credential(
    id: &str,
    o: &RawProfile,
    fallback_provider: Option<&str>,
) -> Result<Profile, String> {
    let text_of = |v: &Option<Val>| v.as_ref().and_then(Val::as_str).map(str::to_string);
    let mut ty = text_of(&o.ty);
    if o.ty.is_none() {
        ty = text_of(&o.mode);
    }
    if ty.as_deref() == Some("apiKey") {
        ty = Some("api_key".into());
    }
    let provider = o
        .provider
        .as_ref()
        .and_then(Val::as_str)
        .map(|p| normalize(p).into_owned())
        .filter(|p| !p.is_empty())
        .or_else(|| fallback_provider.map(|p| normalize(p).into_owned()))
        .filter(|p| !p.is_empty());
    let credential = match ty.as_deref() {
        Some("api_key") => {
            let raw_key = o.key.as_ref().or(o.api_key.as_ref());
            let key_ref = is_secret_ref(o.key_ref.as_ref()) || is_secret_ref(raw_key);
            Credential::ApiKey {
                key: non_blank(raw_key),
                key_ref,
            }
        }
        Some("token") => Credential::Token {
            token: non_blank(o.token.as_ref()),
            token_ref: is_secret_ref(o.token_ref.as_ref()) || is_secret_ref(o.token.as_ref()),
            expires: parse_expires(o.expires.as_ref()),
        },
        Some("oauth") => {
            let access = non_blank(o.access.as_ref());
            let refresh = non_blank(o.refresh.as_ref());
            let expires = parse_expires(o.expires.as_ref());
            let fence = |s: &Option<Secret>| {
                s.as_ref()
                    .is_some_and(|s| s.expose().starts_with("openclaw-oauth-refresh-fence:v1:"))
            };
            let refresh_fence =
                expires == Expires::Number(1.0) && fence(&access) && fence(&refresh);
            Credential::OAuth {
                access,
                refresh,
                oauth_ref: matches!(o.oauth_ref, Some(Val::Obj(_))),
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
    let setup_inactive = match &o.setup {
        Some(Val::Obj(s)) => {
            s.replacement == Some(true)
                && s.model_ref.as_deref().is_some_and(|m| !m.trim().is_empty())
                && s.config_json
                    .as_deref()
                    .is_some_and(|m| !m.trim().is_empty())
        }
        _ => false,
    };
    Ok(Profile {
        id: id.to_string(),
        provider,
        credential,
        setup_inactive,
        email: o
            .email
            .as_ref()
            .and_then(Val::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    })
}

fn finite(v: &Option<Val>) -> Option<f64> {
    v.as_ref().and_then(Val::as_f64).filter(|f| f.is_finite())
}

fn text(v: &Option<Val>) -> Option<String> {
    v.as_ref()
        .and_then(Val::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_usage(o: &RawUsage) -> UsageStats {
    UsageStats {
        last_used: finite(&o.last_used).unwrap_or(0.0),
        cooldown_until: finite(&o.cooldown_until),
        cooldown_reason: text(&o.cooldown_reason),
        cooldown_model: text(&o.cooldown_model),
        disabled_until: finite(&o.disabled_until),
        disabled_reason: text(&o.disabled_reason),
        blocked_until: finite(&o.blocked_until),
        blocked_scope: text(&o.blocked_scope).filter(|s| s == "model"),
        blocked_model: text(&o.blocked_model),
    }
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
        assert_eq!(store.profiles().len(), 1);
        assert_eq!(store.profiles()[0].provider, "anthropic");
        assert_eq!(dropped.len(), 3);
    }

    #[test]
    fn wrong_types_inside_a_profile_do_not_panic() {
        let raw = json!({"profiles":{
            "a": {"type":"token","provider":"anthropic","token":42,"expires":"soon"},
            "b": {"type":"oauth","provider":"anthropic","access":[1],"expires":null}
        }});
        let (store, _) = parse_store(&raw).unwrap();
        assert_eq!(store.profiles().len(), 2);
        assert!(matches!(
            store.profiles()[0].credential,
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
        let state = r#"{"order":{"Anthropic":[], "openai":[" a ", "", 3]}}"#;
        apply_state_str(&mut store, state, "state").unwrap();
        assert_eq!(
            store.order,
            vec![("openai".to_string(), vec!["a".to_string()])]
        );
    }

    #[test]
    fn text_and_value_readers_agree() {
        let text = r#"{"version":1,"profiles":{
            "a:1": {"type":"oauth","provider":" OpenAI ","access":"x","refresh":"y","expires":1.5e12,
                    "oauthRef":{"source":"env"},"email":" me@example.com "},
            "a:2": {"mode":"apiKey","provider":"openai","key":{"source":"env","id":"OPENAI_API_KEY"}},
            "a:3": {"type":null,"mode":"token","provider":"x"},
            "a:4": {"type":"token","provider":"anthropic","token":"t","expires":"soon",
                    "setup":{"replacement":true,"modelRef":"m","configJson":"{}"}},
            "a:1": {"type":"token","provider":"anthropic","token":" t2 ","expires":99,"expires":7},
            "a:5": [1,2]
          },
          "order":{"OpenAI":["a:2"," a:1 ",5],"openai":["a:1"],"x":"nope"},
          "usageStats":{" a:2 ":{"lastUsed":3,"cooldownUntil":"x","blockedScope":"model","disabledUntil":4e12},
                        "a:1":{"lastUsed":1},"a:1":7}}"#;
        let from_text = parse_store_str(text, "row").unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value = parse_store(&value).unwrap();
        assert_eq!(from_text.0.profiles(), from_value.0.profiles());
        assert_eq!(from_text.0.order, from_value.0.order);
        assert_eq!(from_text.0.usage, from_value.0.usage);
        assert_eq!(from_text.1, from_value.1);
        let (store, dropped) = from_text;
        // "a:1" keeps its first position with its last value; "a:3" has no type.
        let ids: Vec<&str> = store.profiles().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["a:1", "a:2", "a:4"]);
        assert!(matches!(
            &store.profiles()[0].credential,
            Credential::Token { expires: Expires::Number(n), token: Some(t), .. }
                if *n == 7.0 && t.expose() == "t2"
        ));
        assert!(matches!(
            &store.profiles()[1].credential,
            Credential::ApiKey {
                key: None,
                key_ref: true
            }
        ));
        assert!(store.profiles()[2].setup_inactive);
        assert_eq!(dropped.len(), 2);
        assert_eq!(
            store.order,
            vec![("openai".to_string(), vec!["a:1".to_string()])]
        );
        // The repeated "a:1" stats entry is a number: dropped as a whole.
        assert_eq!(store.usage.len(), 1);
        let s = &store.usage["a:2"];
        assert_eq!((s.last_used, s.cooldown_until), (3.0, None));
        assert_eq!(s.blocked_scope.as_deref(), Some("model"));
    }

    #[test]
    fn shape_and_syntax_errors_are_named() {
        let err = |t: &str| parse_store_str(t, "the row").unwrap_err();
        assert_eq!(
            err("[1]"),
            "the row: expected a JSON object, found an array"
        );
        assert_eq!(err("{}"), "the row: no \"profiles\" object");
        assert_eq!(
            err(r#"{"profiles":null}"#),
            "the row: \"profiles\" must be an object, found null"
        );
        assert!(err("{\"profiles\":{").starts_with("the row is not valid JSON (EOF"));
        let mut store = AuthStore::default();
        assert!(apply_state_str(&mut store, "[]", "s").is_ok());
        assert!(apply_state_str(&mut store, "{", "s").is_err());
    }
}
