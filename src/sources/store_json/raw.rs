//! Lenient readers for store JSON. Every shape is accepted (a wrong type is
//! recorded, never an error), only what the coercion in the parent module
//! looks at is kept, and objects follow `JSON.parse`: a repeated key keeps
//! its first position and its last value.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// The JSON type of a value that is only described in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// As `json_type` words it.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A field value, as far as any rule looks into it.
#[derive(Debug)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Val>),
    Obj(Box<Obj>),
}

impl Val {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Val::Null => Kind::Null,
            Val::Bool(_) => Kind::Bool,
            Val::Num(_) => Kind::Number,
            Val::Str(_) => Kind::String,
            Val::Arr(_) => Kind::Array,
            Val::Obj(_) => Kind::Object,
        }
    }

    fn into_string(self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The members of a nested object that rules read: a secret ref
/// (`source`, `id`) or a profile's `setup` block.
#[derive(Debug, Default)]
pub struct Obj {
    pub source: Option<String>,
    pub id: Option<String>,
    pub replacement: Option<bool>,
    pub model_ref: Option<String>,
    pub config_json: Option<String>,
}

/// A JSON object read as `T`, or the type of whatever stood there instead.
#[derive(Debug)]
pub enum ObjOr<T> {
    Obj(T),
    Not(Kind),
}

/// One credential entry of `profiles` (or of a flat `auth.json`).
pub type Entry = ObjOr<RawProfile>;

/// An object's members in order, repeated keys resolved as `JSON.parse` does.
#[derive(Debug)]
pub struct Entries<V>(Vec<(String, V)>);

impl<'a, V> IntoIterator for &'a Entries<V> {
    type Item = (&'a String, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (String, V)>, fn(&'a (String, V)) -> Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// A whole store or state document.
#[derive(Debug, Default)]
pub struct Doc {
    pub profiles: Option<ObjOr<Entries<Entry>>>,
    pub order: Option<ObjOr<Entries<Val>>>,
    pub usage_stats: Option<ObjOr<Entries<ObjOr<RawUsage>>>>,
}

#[derive(Debug, Default)]
pub struct RawProfile {
    pub ty: Option<Val>,
    pub mode: Option<Val>,
    pub provider: Option<Val>,
    pub key: Option<Val>,
    pub api_key: Option<Val>,
    pub key_ref: Option<Val>,
    pub token: Option<Val>,
    pub token_ref: Option<Val>,
    pub expires: Option<Val>,
    pub access: Option<Val>,
    pub refresh: Option<Val>,
    pub oauth_ref: Option<Val>,
    pub setup: Option<Val>,
    pub email: Option<Val>,
}

#[derive(Debug, Default)]
pub struct RawUsage {
    pub last_used: Option<Val>,
    pub cooldown_until: Option<Val>,
    pub cooldown_reason: Option<Val>,
    pub cooldown_model: Option<Val>,
    pub disabled_until: Option<Val>,
    pub disabled_reason: Option<Val>,
    pub blocked_until: Option<Val>,
    pub blocked_scope: Option<Val>,
    pub blocked_model: Option<Val>,
}

/// Something built from an object's members.
pub trait FromMap<'de>: Sized {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Every member name any reader looks for; matched without allocating.
enum Field {
    Type,
    Mode,
    Provider,
    Key,
    ApiKey,
    KeyRef,
    Token,
    TokenRef,
    Expires,
    Access,
    Refresh,
    OauthRef,
    Setup,
    Email,
    Source,
    Id,
    Replacement,
    ModelRef,
    ConfigJson,
    Profiles,
    Order,
    UsageStats,
    LastUsed,
    CooldownUntil,
    CooldownReason,
    CooldownModel,
    DisabledUntil,
    DisabledReason,
    BlockedUntil,
    BlockedScope,
    BlockedModel,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "type" => Field::Type,
                    "mode" => Field::Mode,
                    "provider" => Field::Provider,
                    "key" => Field::Key,
                    "apiKey" => Field::ApiKey,
                    "keyRef" => Field::KeyRef,
                    "token" => Field::Token,
                    "tokenRef" => Field::TokenRef,
                    "expires" => Field::Expires,
                    "access" => Field::Access,
                    "refresh" => Field::Refresh,
                    "oauthRef" => Field::OauthRef,
                    "setup" => Field::Setup,
                    "email" => Field::Email,
                    "source" => Field::Source,
                    "id" => Field::Id,
                    "replacement" => Field::Replacement,
                    "modelRef" => Field::ModelRef,
                    "configJson" => Field::ConfigJson,
                    "profiles" => Field::Profiles,
                    "order" => Field::Order,
                    "usageStats" => Field::UsageStats,
                    "lastUsed" => Field::LastUsed,
                    "cooldownUntil" => Field::CooldownUntil,
                    "cooldownReason" => Field::CooldownReason,
                    "cooldownModel" => Field::CooldownModel,
                    "disabledUntil" => Field::DisabledUntil,
                    "disabledReason" => Field::DisabledReason,
                    "blockedUntil" => Field::BlockedUntil,
                    "blockedScope" => Field::BlockedScope,
                    "blockedModel" => Field::BlockedModel,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de> FromMap<'de> for Doc {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut d = Doc::default();
        while let Some(k) = map.next_key::<Field>()? {
            match k {
                Field::Profiles => d.profiles = Some(map.next_value()?),
                Field::Order => d.order = Some(map.next_value()?),
                Field::UsageStats => d.usage_stats = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(d)
    }
}

impl<'de> FromMap<'de> for RawProfile {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut p = RawProfile::default();
        while let Some(k) = map.next_key::<Field>()? {
            let slot = match k {
                Field::Type => &mut p.ty,
                Field::Mode => &mut p.mode,
                Field::Provider => &mut p.provider,
                Field::Key => &mut p.key,
                Field::ApiKey => &mut p.api_key,
                Field::KeyRef => &mut p.key_ref,
                Field::Token => &mut p.token,
                Field::TokenRef => &mut p.token_ref,
                Field::Expires => &mut p.expires,
                Field::Access => &mut p.access,
                Field::Refresh => &mut p.refresh,
                Field::OauthRef => &mut p.oauth_ref,
                Field::Setup => &mut p.setup,
                Field::Email => &mut p.email,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(p)
    }
}

impl<'de> FromMap<'de> for RawUsage {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut u = RawUsage::default();
        while let Some(k) = map.next_key::<Field>()? {
            let slot = match k {
                Field::LastUsed => &mut u.last_used,
                Field::CooldownUntil => &mut u.cooldown_until,
                Field::CooldownReason => &mut u.cooldown_reason,
                Field::CooldownModel => &mut u.cooldown_model,
                Field::DisabledUntil => &mut u.disabled_until,
                Field::DisabledReason => &mut u.disabled_reason,
                Field::BlockedUntil => &mut u.blocked_until,
                Field::BlockedScope => &mut u.blocked_scope,
                Field::BlockedModel => &mut u.blocked_model,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(u)
    }
}

impl<'de> FromMap<'de> for Obj {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut o = Obj::default();
        while let Some(k) = map.next_key::<Field>()? {
            match k {
                Field::Source => o.source = map.next_value::<Val>()?.into_string(),
                Field::Id => o.id = map.next_value::<Val>()?.into_string(),
                Field::ModelRef => o.model_ref = map.next_value::<Val>()?.into_string(),
                Field::ConfigJson => o.config_json = map.next_value::<Val>()?.into_string(),
                Field::Replacement => {
                    o.replacement = match map.next_value::<Val>()? {
                        Val::Bool(b) => Some(b),
                        _ => None,
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(o)
    }
}

impl<'de, V: Deserialize<'de>> FromMap<'de> for Entries<V> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut v = Vec::with_capacity(map.size_hint().unwrap_or(0).min(256));
        while let Some(entry) = map.next_entry::<String, V>()? {
            v.push(entry);
        }
        Ok(Entries(dedupe(v)))
    }
}

/// `JSON.parse` (like serde_json's ordered map) keeps a repeated key at its
/// first position with its last value.
fn dedupe<V>(mut v: Vec<(String, V)>) -> Vec<(String, V)> {
    if v.len() < 2 {
        return v;
    }
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_unstable_by(|&a, &b| v[a].0.cmp(&v[b].0).then(a.cmp(&b)));
    if !idx.windows(2).any(|w| v[w[0]].0 == v[w[1]].0) {
        return v;
    }
    let mut keep = vec![true; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]].0 == v[idx[i]].0 {
            j += 1;
        }
        if j > i {
            // The last value moves to the first position; the rest go.
            v.swap(idx[i], idx[j]);
            for &k in &idx[i + 1..=j] {
                keep[k] = false;
            }
        }
        i = j + 1;
    }
    let mut n = 0;
    v.retain(|_| {
        n += 1;
        keep[n - 1]
    });
    v
}

/// Drains a sequence whose contents do not matter.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

struct ObjOrVisitor<T>(PhantomData<T>);

impl<'de, T: FromMap<'de>> Visitor<'de> for ObjOrVisitor<T> {
    type Value = ObjOr<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Bool))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Number))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Number))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::Number))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(ObjOr::Not(Kind::String))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(ObjOr::Not(Kind::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(ObjOr::Obj)
    }
}

impl<'de, T: FromMap<'de>> Deserialize<'de> for ObjOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjOrVisitor(PhantomData))
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Val, E> {
        Ok(Val::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Val, E> {
        Ok(Val::Num(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Val, E> {
        Ok(Val::Num(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Val, E> {
        Ok(Val::Num(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Val, E> {
        Ok(Val::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Val, E> {
        Ok(Val::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Val::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Val, A::Error> {
        Obj::from_map(map).map(|o| Val::Obj(Box::new(o)))
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_first_position_and_last_value() {
        let v = vec![
            ("b".to_string(), 1),
            ("a".to_string(), 2),
            ("b".to_string(), 3),
            ("c".to_string(), 4),
            ("a".to_string(), 5),
            ("b".to_string(), 6),
        ];
        let got: Vec<(String, i32)> = dedupe(v);
        assert_eq!(
            got,
            vec![
                ("b".to_string(), 6),
                ("a".to_string(), 5),
                ("c".to_string(), 4)
            ]
        );
    }

    #[test]
    fn same_as_serde_json_ordered_map() {
        let text = r#"{"x":1,"y":2,"x":3,"z":{"x":9},"y":"s"}"#;
        let ordered: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).unwrap();
        let ours: ObjOr<Entries<Val>> = serde_json::from_str(text).unwrap();
        let ObjOr::Obj(ours) = ours else {
            panic!("an object")
        };
        let keys: Vec<&String> = ours.into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ordered.keys().collect::<Vec<_>>());
        let first = ours.into_iter().next().map(|(_, v)| v.as_f64());
        assert_eq!(first, Some(Some(3.0)));
    }
}
