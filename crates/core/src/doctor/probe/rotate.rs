//! The keys of one probe target and the gateway's rotation over them
//! (`executeWithApiKeyRotation`): try keys in order; stop on success or on
//! any error that is not a rate limit; the last attempt is the answer.

use super::answer::Answer;
use crate::model::CredType;
use crate::secret::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where a key came from; shown as the profile id, the variable, or
/// `VAR[n]` for an entry of a list variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLabel {
    /// A stored profile (its id).
    Profile(String),
    /// An env variable holding one key.
    Var(String),
    /// Entry `index` (from 1) of a variable holding a list of keys.
    ListEntry { var: String, index: usize },
    /// A rotation key no variable holds as written.
    Unnamed,
}

const UNNAMED: &str = "rotation key";

impl KeyLabel {
    /// The variable that holds the key (for the fix), or what it is called
    /// when no variable does; None for a stored profile.
    pub fn holder(&self) -> Option<&str> {
        match self {
            KeyLabel::Profile(_) => None,
            KeyLabel::Var(v) | KeyLabel::ListEntry { var: v, .. } => Some(v),
            KeyLabel::Unnamed => Some(UNNAMED),
        }
    }

    /// Read back from the probe state file, where labels are kept as they
    /// are shown (profile ids are `provider:name`; variables have no `:`).
    fn from_shown(s: &str) -> Self {
        if s.contains(':') {
            return KeyLabel::Profile(s.to_string());
        }
        if s == UNNAMED {
            return KeyLabel::Unnamed;
        }
        let entry = s
            .strip_suffix(']')
            .and_then(|r| r.split_once('['))
            .and_then(|(var, n)| Some((var, n.parse::<usize>().ok()?)));
        match entry {
            Some((var, index)) => KeyLabel::ListEntry {
                var: var.to_string(),
                index,
            },
            None => KeyLabel::Var(s.to_string()),
        }
    }
}

impl fmt::Display for KeyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLabel::Profile(s) | KeyLabel::Var(s) => f.write_str(s),
            KeyLabel::ListEntry { var, index } => write!(f, "{var}[{index}]"),
            KeyLabel::Unnamed => f.write_str(UNNAMED),
        }
    }
}

impl Serialize for KeyLabel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyLabel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(KeyLabel::from_shown(&String::deserialize(d)?))
    }
}

/// One key to try. Never printed: only `label` and the masked form leave.
#[derive(Clone)]
pub struct ProbeKey {
    pub label: KeyLabel,
    pub secret: Secret,
    /// Sent as `Authorization: Bearer` (OAuth and setup tokens).
    pub bearer: bool,
    pub cred_type: CredType,
    pub expires_at_ms: Option<i64>,
}

impl fmt::Debug for ProbeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeKey")
            .field("label", &self.label)
            .field("secret", &self.secret)
            .field("bearer", &self.bearer)
            .finish()
    }
}

/// One request and its answer (no secret: the label and a masked form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub label: KeyLabel,
    pub masked: String,
    /// Kept as its word (`api_key`, `token`, `oauth`).
    #[serde(with = "cred_type_word")]
    pub cred_type: CredType,
    pub expires_at_ms: Option<i64>,
    pub answer: Answer,
}

mod cred_type_word {
    use crate::model::CredType;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &CredType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CredType, D::Error> {
        let word = String::deserialize(d)?;
        CredType::from_word(&word)
            .ok_or_else(|| D::Error::custom(format!("unknown credential type {word:?}")))
    }
}

/// What one target's probe found (no secrets: labels and masked keys
/// only, so it may be kept in the agent's probe state file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub agent: String,
    pub provider: String,
    pub selected: Option<String>,
    pub routes: Vec<String>,
    pub url: Option<String>,
    /// Keys in the gateway's order.
    pub keys: usize,
    pub attempts: Vec<Attempt>,
    pub note: Option<String>,
}

impl ProbeResult {
    pub fn success(&self) -> bool {
        self.attempts.last().is_some_and(|a| a.answer.is_success())
    }
}

/// The gateway's rotation: try keys in order; stop on success or on any
/// error that is not a rate limit; the last attempt is the answer.
pub fn rotate(keys: &[ProbeKey], mut call: impl FnMut(&ProbeKey) -> Answer) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    for k in keys {
        let answer = call(k);
        let stop = answer.is_success() || !answer.is_rate_limit();
        attempts.push(Attempt {
            label: k.label.clone(),
            masked: k.secret.masked(),
            cred_type: k.cred_type,
            expires_at_ms: k.expires_at_ms,
            answer,
        });
        if stop {
            break;
        }
    }
    attempts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::probe::answer::tests::http;

    fn key(label: &str, v: &str) -> ProbeKey {
        ProbeKey {
            label: KeyLabel::Var(label.into()),
            secret: Secret::new(v),
            bearer: false,
            cred_type: CredType::ApiKey,
            expires_at_ms: None,
        }
    }

    #[test]
    fn rotation_moves_on_only_after_rate_limits() {
        let keys = vec![key("A", "k-a"), key("B", "k-b"), key("C", "k-c")];
        let script = |answers: Vec<Answer>| {
            let mut it = answers.into_iter();
            let mut seen = vec![];
            let attempts = rotate(&keys, |k| {
                seen.push(k.label.to_string());
                it.next().unwrap_or_else(|| http(599, "script ran out"))
            });
            (seen, attempts)
        };
        let (seen, a) = script(vec![http(429, ""), http(200, "{}")]);
        assert_eq!(seen, ["A", "B"]);
        assert!(a.last().is_some_and(|a| a.answer.is_success()));
        let (seen, _) = script(vec![http(401, "{}")]);
        assert_eq!(seen, ["A"], "a 401 stops");
        let (seen, _) = script(vec![http(429, ""), http(500, "oops")]);
        assert_eq!(seen, ["A", "B"], "a 500 stops");
        let (seen, a) = script(vec![
            http(400, r#"{"error":{"message":"Quota exceeded"}}"#),
            http(429, "a"),
            http(429, "last"),
        ]);
        assert_eq!(seen, ["A", "B", "C"]);
        assert_eq!(a.len(), 3);
        assert_eq!(
            a[2].answer,
            http(429, "last"),
            "the last error is the answer"
        );
    }

    #[test]
    fn labels_are_kept_as_shown() {
        for (label, shown) in [
            (
                KeyLabel::Profile("anthropic:manual".into()),
                "anthropic:manual",
            ),
            (
                KeyLabel::Var("ANTHROPIC_API_KEY".into()),
                "ANTHROPIC_API_KEY",
            ),
            (
                KeyLabel::ListEntry {
                    var: "OPENCLAW_LIVE_ANTHROPIC_KEYS".into(),
                    index: 2,
                },
                "OPENCLAW_LIVE_ANTHROPIC_KEYS[2]",
            ),
            (KeyLabel::Unnamed, "rotation key"),
        ] {
            let json = serde_json::to_string(&label).unwrap();
            assert_eq!(json, format!("\"{shown}\""));
            assert_eq!(serde_json::from_str::<KeyLabel>(&json).unwrap(), label);
        }
        let a = Attempt {
            label: KeyLabel::Var("X_API_KEY".into()),
            masked: "sk…00".into(),
            cred_type: CredType::OAuth,
            expires_at_ms: None,
            answer: Answer::Transport("timeout".into()),
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["cred_type"], "oauth");
        assert_eq!(v["label"], "X_API_KEY");
        assert_eq!(serde_json::from_value::<Attempt>(v).unwrap(), a);
    }
}
