//! The plain data of alerting: keys, conditions, severities, notices.
//!
//! Every enum here serialises to the word alert-state.json has always held,
//! so state files written by earlier versions load unchanged.

use crate::model::{CredSource, CredType, SourceName};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// How urgent a notice is. Threshold crossings above 2h are warnings; the
/// 2h one, expired, missing and an agent that cannot be checked are
/// critical (see [`super::vocabulary`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ------------------------------------------------------------ condition

/// What an alert is about. Serialised as the word of the state file:
/// `expiry`, `missing`, `runtime_unavailable`, `blind`,
/// `unreadable:<source>`, `doctor:<finding id>`, `test`.
///
/// Equality, order and hash follow that word, so alert keys sort (and the
/// state file lists them) exactly as when the condition was a string.
#[derive(Debug, Clone)]
pub enum Condition {
    /// A credential a route uses crossed a threshold or expired.
    Expiry,
    /// A route has no usable credential.
    Missing,
    /// A route's model needs a runtime that is not installed.
    RuntimeUnavailable,
    /// An agent OpenClaw cannot report on (the monitor is blind).
    Blind,
    /// A source clawwatch cannot read.
    Unreadable(SourceName),
    /// A doctor finding (its stable id).
    Doctor(String),
    /// `clawwatch alert test`.
    Test,
    /// A word this version does not know, kept verbatim from an older state
    /// file (version 1 keys were free text). Never observed, so such an
    /// alert resolves at the next cycle, as it always did.
    Other(String),
}

const UNREADABLE: &str = "unreadable:";
const DOCTOR: &str = "doctor:";

impl Condition {
    /// The word as two parts (prefix, rest), compared without allocating.
    fn parts(&self) -> (&str, &str) {
        match self {
            Condition::Expiry => ("expiry", ""),
            Condition::Missing => ("missing", ""),
            Condition::RuntimeUnavailable => ("runtime_unavailable", ""),
            Condition::Blind => ("blind", ""),
            Condition::Unreadable(s) => (UNREADABLE, s.as_str()),
            Condition::Doctor(id) => (DOCTOR, id),
            Condition::Test => ("test", ""),
            Condition::Other(w) => (w, ""),
        }
    }

    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let (a, b) = self.parts();
        a.bytes().chain(b.bytes())
    }

    /// The state-file word.
    pub fn word(&self) -> Cow<'_, str> {
        match self.parts() {
            (a, "") => Cow::Borrowed(a),
            (a, b) => Cow::Owned(format!("{a}{b}")),
        }
    }

    /// The condition a state-file word names (any word: unknown ones are
    /// [`Condition::Other`]).
    pub fn from_word(word: &str) -> Condition {
        match word {
            "expiry" => Condition::Expiry,
            "missing" => Condition::Missing,
            "runtime_unavailable" => Condition::RuntimeUnavailable,
            "blind" => Condition::Blind,
            "test" => Condition::Test,
            w => {
                if let Some(id) = w.strip_prefix(DOCTOR) {
                    return Condition::Doctor(id.to_string());
                }
                match w.strip_prefix(UNREADABLE).and_then(SourceName::from_word) {
                    Some(s) => Condition::Unreadable(s),
                    None => Condition::Other(w.to_string()),
                }
            }
        }
    }

    /// The doctor finding id, for `doctor:<id>`.
    pub fn doctor_id(&self) -> Option<&str> {
        match self {
            Condition::Doctor(id) => Some(id),
            _ => None,
        }
    }

    pub fn is_unreadable(&self) -> bool {
        matches!(self, Condition::Unreadable(_))
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.bytes().eq(other.bytes())
    }
}

impl Eq for Condition {}

impl PartialOrd for Condition {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Condition {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes().cmp(other.bytes())
    }
}

impl Hash for Condition {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.word().hash(state);
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.parts();
        f.write_str(a)?;
        f.write_str(b)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.word())
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Cow::<str>::deserialize(d)?;
        Ok(Condition::from_word(&w))
    }
}

// ------------------------------------------------------------ key

/// One alert: a condition of one credential (or route, or source) of one
/// agent. Empty strings where a field does not apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub agent: String,
    pub provider: String,
    /// The profile (or env variable); for an unreadable source, its path.
    pub profile: String,
    pub condition: Condition,
}

impl AlertKey {
    /// A stable id usable as a notification id (termux `--id`), file-name
    /// and label safe: `clawwatch-main-anthropic-manual-expiry`.
    pub fn slug(&self) -> String {
        let mut out = String::from("clawwatch");
        let condition = self.condition.word();
        for part in [
            &self.agent,
            &self.provider,
            &self.profile,
            condition.as_ref(),
        ] {
            if part.is_empty() {
                continue;
            }
            out.push('-');
            let mut last_dash = true;
            for c in part.chars() {
                if c.is_ascii_alphanumeric() {
                    out.push(c.to_ascii_lowercase());
                    last_dash = false;
                } else if !last_dash {
                    out.push('-');
                    last_dash = true;
                }
            }
            while out.ends_with('-') {
                out.pop();
            }
        }
        out
    }

    /// What the notice is about, for people: the profile, else the
    /// provider, else "OpenClaw".
    pub fn subject_name(&self) -> &str {
        if !self.profile.is_empty() {
            &self.profile
        } else if !self.provider.is_empty() {
            &self.provider
        } else {
            "OpenClaw"
        }
    }
}

// ------------------------------------------------------------ notice kind

/// Why a notice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// The condition started (or started again after a resolved notice).
    Firing,
    /// A higher threshold (or expiry) was crossed while firing.
    Escalated,
    /// Still firing after `repeat_every`.
    Repeat,
    /// The condition ended.
    Resolved,
    /// `clawwatch alert test`.
    Test,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Firing => "firing",
            NoticeKind::Escalated => "escalated",
            NoticeKind::Repeat => "repeat",
            NoticeKind::Resolved => "resolved",
            NoticeKind::Test => "test",
        }
    }

    /// `firing` | `resolved` | `test`: the status word of webhooks and
    /// Alertmanager.
    pub fn status(self) -> &'static str {
        match self {
            NoticeKind::Resolved => "resolved",
            NoticeKind::Test => "test",
            _ => "firing",
        }
    }

    pub fn is_firing(self) -> bool {
        matches!(
            self,
            NoticeKind::Firing | NoticeKind::Escalated | NoticeKind::Repeat
        )
    }
}

// ------------------------------------------------------------ notice state

/// What the subject of a notice looks like: `expiring`, `expired`,
/// `missing`, `blind`, `unreadable`, `doctor`, `ok` (resolved) or `test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeState {
    Expiring,
    Expired,
    Missing,
    Blind,
    Unreadable,
    Doctor,
    Ok,
    Test,
    /// A word kept from a version-1 state file (whose states were derived
    /// from free-text conditions, e.g. `runtime_unavailable`).
    Other(String),
}

impl NoticeState {
    pub fn as_str(&self) -> &str {
        match self {
            NoticeState::Expiring => "expiring",
            NoticeState::Expired => "expired",
            NoticeState::Missing => "missing",
            NoticeState::Blind => "blind",
            NoticeState::Unreadable => "unreadable",
            NoticeState::Doctor => "doctor",
            NoticeState::Ok => "ok",
            NoticeState::Test => "test",
            NoticeState::Other(w) => w,
        }
    }

    pub fn from_word(word: &str) -> NoticeState {
        match word {
            "expiring" => NoticeState::Expiring,
            "expired" => NoticeState::Expired,
            "missing" => NoticeState::Missing,
            "blind" => NoticeState::Blind,
            "unreadable" => NoticeState::Unreadable,
            "doctor" => NoticeState::Doctor,
            "ok" => NoticeState::Ok,
            "test" => NoticeState::Test,
            w => NoticeState::Other(w.to_string()),
        }
    }
}

impl fmt::Display for NoticeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for NoticeState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NoticeState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Cow::<str>::deserialize(d)?;
        Ok(NoticeState::from_word(&w))
    }
}

// ------------------------------------------------------------ notice source

/// Where what a notice is about was read from. Serialised as one string
/// (`""` for none), read back by the key's condition: a credential source
/// word, the source module of an unreadable file, a doctor finding's path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NoticeSource {
    #[default]
    None,
    /// state-db | agent-db | env | dotenv | config-env | …
    Credential(CredSource),
    /// The source module that cannot read its file (`sqlite_store`, …).
    Reader(SourceName),
    /// The file a doctor finding is about (`~/…`).
    Path(String),
}

impl NoticeSource {
    pub fn as_str(&self) -> &str {
        match self {
            NoticeSource::None => "",
            NoticeSource::Credential(c) => c.as_str(),
            NoticeSource::Reader(s) => s.as_str(),
            NoticeSource::Path(p) => p,
        }
    }

    /// A path, or none when empty.
    pub fn path(p: Option<&str>) -> NoticeSource {
        match p {
            Some(p) if !p.is_empty() => NoticeSource::Path(p.to_string()),
            _ => NoticeSource::None,
        }
    }

    /// Read the state-file word back as the condition says it was written.
    fn from_word(word: &str, condition: &Condition) -> Result<NoticeSource, String> {
        if word.is_empty() {
            return Ok(NoticeSource::None);
        }
        let reader = || SourceName::from_word(word).map(NoticeSource::Reader);
        let credential = || CredSource::from_word(word).map(NoticeSource::Credential);
        let found = match condition {
            Condition::Unreadable(_) => reader(),
            Condition::Doctor(_) => Some(NoticeSource::Path(word.to_string())),
            Condition::Other(_) => credential()
                .or_else(reader)
                .or_else(|| Some(NoticeSource::Path(word.to_string()))),
            _ => credential(),
        };
        found.ok_or_else(|| format!("unknown source {word:?} for condition {condition}"))
    }
}

impl fmt::Display for NoticeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ------------------------------------------------------------ notification

/// One planned notice. Carries everything a channel renders, and nothing
/// secret: names, states, times, the problem line and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "NotificationRepr", try_from = "NotificationRepr")]
pub struct Notification {
    /// Increasing per state file; the idempotency id sent with each notice.
    pub id: u64,
    pub key: AlertKey,
    pub kind: NoticeKind,
    /// The alert's severity (for a resolved notice, the one it had).
    pub severity: Severity,
    /// On an escalation that changed the severity, the previous one.
    pub previous_severity: Option<Severity>,
    pub state: NoticeState,
    /// api_key | token | oauth (`""` in the state file when none).
    pub cred_type: Option<CredType>,
    pub source: NoticeSource,
    pub expires_at_ms: Option<i64>,
    /// The crossed threshold (expiring only).
    pub threshold_ms: Option<i64>,
    /// When this incident started firing.
    pub since_ms: i64,
    /// When the planner made this notice.
    pub planned_at_ms: i64,
    /// What is wrong, one line (from the report).
    pub message: String,
    /// The exact fix.
    pub fix: String,
}

impl Notification {
    /// The notice `clawwatch alert test` sends from `host` at `now_ms`.
    pub fn test(host: &str, now_ms: i64) -> Notification {
        Notification {
            id: 0,
            key: AlertKey {
                agent: String::new(),
                provider: String::new(),
                profile: String::new(),
                condition: Condition::Test,
            },
            kind: NoticeKind::Test,
            severity: Severity::Warning,
            previous_severity: None,
            state: NoticeState::Test,
            cred_type: None,
            source: NoticeSource::None,
            expires_at_ms: None,
            threshold_ms: None,
            since_ms: now_ms,
            planned_at_ms: now_ms,
            message: format!(
                "This is a test notice from clawwatch on {host}: alerts reach this channel."
            ),
            fix: String::new(),
        }
    }
}

/// The state-file shape of a [`Notification`] (field order and words as
/// they have always been written).
#[derive(Serialize, Deserialize)]
struct NotificationRepr {
    id: u64,
    key: AlertKey,
    kind: NoticeKind,
    severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_severity: Option<Severity>,
    state: NoticeState,
    #[serde(default)]
    cred_type: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    expires_at_ms: Option<i64>,
    #[serde(default)]
    threshold_ms: Option<i64>,
    since_ms: i64,
    planned_at_ms: i64,
    message: String,
    fix: String,
}

impl From<Notification> for NotificationRepr {
    fn from(n: Notification) -> Self {
        NotificationRepr {
            id: n.id,
            cred_type: n.cred_type.map(CredType::as_str).unwrap_or_default().into(),
            source: n.source.as_str().into(),
            key: n.key,
            kind: n.kind,
            severity: n.severity,
            previous_severity: n.previous_severity,
            state: n.state,
            expires_at_ms: n.expires_at_ms,
            threshold_ms: n.threshold_ms,
            since_ms: n.since_ms,
            planned_at_ms: n.planned_at_ms,
            message: n.message,
            fix: n.fix,
        }
    }
}

impl TryFrom<NotificationRepr> for Notification {
    type Error = String;

    fn try_from(r: NotificationRepr) -> Result<Self, String> {
        let cred_type = match r.cred_type.as_str() {
            "" => None,
            w => Some(CredType::from_word(w).ok_or_else(|| format!("unknown type {w:?}"))?),
        };
        Ok(Notification {
            id: r.id,
            source: NoticeSource::from_word(&r.source, &r.key.condition)?,
            key: r.key,
            kind: r.kind,
            severity: r.severity,
            previous_severity: r.previous_severity,
            state: r.state,
            cred_type,
            expires_at_ms: r.expires_at_ms,
            threshold_ms: r.threshold_ms,
            since_ms: r.since_ms,
            planned_at_ms: r.planned_at_ms,
            message: r.message,
            fix: r.fix,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(condition: Condition) -> AlertKey {
        AlertKey {
            agent: "main".into(),
            provider: "anthropic".into(),
            profile: "anthropic:manual".into(),
            condition,
        }
    }

    #[test]
    fn conditions_are_the_state_file_words() {
        for (c, w) in [
            (Condition::Expiry, "expiry"),
            (Condition::Missing, "missing"),
            (Condition::RuntimeUnavailable, "runtime_unavailable"),
            (Condition::Blind, "blind"),
            (
                Condition::Unreadable(SourceName::SqliteStore),
                "unreadable:sqlite_store",
            ),
            (
                Condition::Doctor("legacy-auth-profiles".into()),
                "doctor:legacy-auth-profiles",
            ),
            (Condition::Test, "test"),
            (Condition::Other("cooldown".into()), "cooldown"),
            (
                Condition::Other("unreadable:nosuch".into()),
                "unreadable:nosuch",
            ),
        ] {
            assert_eq!(c.to_string(), w);
            assert_eq!(c.word(), w);
            assert_eq!(Condition::from_word(w), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{w}\""));
            assert_eq!(serde_json::from_str::<Condition>(&json).unwrap(), c);
        }
    }

    #[test]
    fn keys_sort_as_their_words_did() {
        let mut words = vec![
            "unreadable:sqlite_store",
            "missing",
            "doctor:b",
            "expiry",
            "blind",
            "doctor:a",
            "runtime_unavailable",
            "unreadable:dotenv",
        ];
        let mut conds: Vec<Condition> = words.iter().map(|w| Condition::from_word(w)).collect();
        words.sort();
        conds.sort();
        let back: Vec<String> = conds.iter().map(|c| c.to_string()).collect();
        assert_eq!(back, words);
    }

    #[test]
    fn slug_is_label_safe() {
        assert_eq!(
            key(Condition::Expiry).slug(),
            "clawwatch-main-anthropic-anthropic-manual-expiry"
        );
        let k = AlertKey {
            agent: String::new(),
            provider: String::new(),
            profile: "~/.openclaw/state/openclaw.sqlite".into(),
            condition: Condition::Unreadable(SourceName::SqliteStore),
        };
        assert_eq!(
            k.slug(),
            "clawwatch-openclaw-state-openclaw-sqlite-unreadable-sqlite-store"
        );
    }

    #[test]
    fn notification_serialises_as_before() {
        let mut n = Notification::test("box", 5);
        n.key = key(Condition::Expiry);
        n.state = NoticeState::Expired;
        n.cred_type = Some(CredType::Token);
        n.source = NoticeSource::Credential(CredSource::StateDb);
        let v = serde_json::to_value(&n).unwrap();
        assert_eq!(v["state"], "expired");
        assert_eq!(v["cred_type"], "token");
        assert_eq!(v["source"], "state-db");
        assert_eq!(v["key"]["condition"], "expiry");
        assert!(v.get("previous_severity").is_none());
        let back: Notification = serde_json::from_value(v).unwrap();
        assert_eq!(back, n);
        // The test notice: "" for no type and no source.
        let v = serde_json::to_value(Notification::test("box", 5)).unwrap();
        assert_eq!(v["cred_type"], "");
        assert_eq!(v["source"], "");
    }

    #[test]
    fn sources_read_back_by_condition() {
        let read = |cond: Condition, word: &str| NoticeSource::from_word(word, &cond);
        // "dotenv" is both a credential source and a reader: the condition decides.
        assert_eq!(
            read(Condition::Unreadable(SourceName::Dotenv), "dotenv"),
            Ok(NoticeSource::Reader(SourceName::Dotenv))
        );
        assert_eq!(
            read(Condition::Expiry, "dotenv"),
            Ok(NoticeSource::Credential(CredSource::DotEnv))
        );
        assert_eq!(
            read(Condition::Doctor("x".into()), "~/.openclaw/openclaw.json"),
            Ok(NoticeSource::Path("~/.openclaw/openclaw.json".into()))
        );
        assert_eq!(read(Condition::Blind, ""), Ok(NoticeSource::None));
        assert!(read(Condition::Expiry, "nowhere").is_err());
    }
}
