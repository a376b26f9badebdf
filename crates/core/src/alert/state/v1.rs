//! Version 1 of the state file: one map `"agent|provider|profile|condition"`
//! → `{severity, rank, since_ms, last_notified_ms, resolved}`.

use super::alert_state::{ALL_CHANNELS, AlertRecord, AlertState};
use crate::alert::types::{
    AlertKey, Condition, NoticeKind, NoticeSource, NoticeState, Notification, Severity,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
struct V1 {
    #[serde(default)]
    alerts: BTreeMap<String, V1Alert>,
}

#[derive(Deserialize)]
struct V1Alert {
    severity: Severity,
    #[serde(default)]
    rank: u32,
    since_ms: i64,
    #[serde(default)]
    last_notified_ms: Option<i64>,
    #[serde(default)]
    resolved: bool,
}

/// `agent|provider|profile|condition` (missing parts empty).
fn key(text: &str) -> AlertKey {
    let mut parts = text.splitn(4, '|');
    let mut next = || parts.next().unwrap_or_default().to_string();
    AlertKey {
        agent: next(),
        provider: next(),
        profile: next(),
        condition: Condition::from_word(&next()),
    }
}

/// The state a version-1 alert shows: by severity for expiry, else the
/// condition's first word (`unreadable:x` → `unreadable`).
fn state_of(condition: &Condition, severity: Severity) -> NoticeState {
    match (condition, severity) {
        (Condition::Expiry, Severity::Critical) => NoticeState::Expired,
        (Condition::Expiry, Severity::Warning) => NoticeState::Expiring,
        (c, _) => {
            let word = c.word();
            NoticeState::from_word(word.split(':').next().unwrap_or(&word))
        }
    }
}

fn record(key: &AlertKey, a: &V1Alert) -> AlertRecord {
    let rank = a.rank.max(1);
    let notified = a.last_notified_ms.is_some();
    let current = Notification {
        id: 0,
        key: key.clone(),
        kind: NoticeKind::Firing,
        severity: a.severity,
        previous_severity: None,
        state: state_of(&key.condition, a.severity),
        cred_type: None,
        source: NoticeSource::None,
        expires_at_ms: None,
        threshold_ms: None,
        since_ms: a.since_ms,
        planned_at_ms: a.last_notified_ms.unwrap_or(a.since_ms),
        message: format!("{} (carried over from an older state file)", key.condition),
        fix: String::new(),
    };
    AlertRecord {
        firing: !a.resolved,
        rank,
        severity: a.severity,
        since_ms: a.since_ms,
        resolved_at_ms: None,
        notified_rank: if notified { rank } else { 0 },
        notified_severity: notified.then_some(a.severity),
        believed_firing: notified && !a.resolved,
        last_firing_notice_ms: a.last_notified_ms,
        last_resolved_notice_ms: None,
        delivered: if notified && !a.resolved {
            [ALL_CHANNELS.to_string()].into()
        } else {
            BTreeSet::new()
        },
        current,
    }
}

/// A version-1 state as the current version: a notified, unresolved alert
/// counts as delivered to every channel ([`ALL_CHANNELS`]).
pub fn migrate_v1(v: serde_json::Value) -> Result<AlertState, serde_json::Error> {
    let old: V1 = serde_json::from_value(v)?;
    let mut st = AlertState::default();
    for (k, a) in old.alerts {
        let key = key(&k);
        let rec = record(&key, &a);
        st.alerts.insert(key, rec);
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceName;

    #[test]
    fn keys_and_states_of_version_1() {
        let v = serde_json::json!({"version": 1, "alerts": {
            "main|anthropic|anthropic:manual|expiry":
                {"severity": "critical", "rank": 4, "since_ms": 1, "last_notified_ms": 2},
            "||~/x.sqlite|unreadable:sqlite_store":
                {"severity": "warning", "since_ms": 1, "resolved": true},
            "main|openai||runtime_unavailable": {"severity": "critical", "since_ms": 1},
            "short": {"severity": "warning", "since_ms": 1}
        }});
        let st = migrate_v1(v).unwrap();
        let got: Vec<(String, String, bool, bool)> = st
            .alerts
            .iter()
            .map(|(k, r)| {
                (
                    k.condition.to_string(),
                    r.current.state.to_string(),
                    r.believed_firing,
                    r.delivered.contains(ALL_CHANNELS),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "unreadable:sqlite_store".into(),
                    "unreadable".into(),
                    false,
                    false
                ),
                ("expiry".into(), "expired".into(), true, true),
                (
                    "runtime_unavailable".into(),
                    "runtime_unavailable".into(),
                    false,
                    false
                ),
                ("".into(), "".into(), false, false),
            ]
        );
        let k = st.alerts.keys().next().unwrap();
        assert_eq!(k.condition, Condition::Unreadable(SourceName::SqliteStore));
        let rec = st.alerts.values().nth(1).unwrap();
        assert_eq!((rec.rank, rec.notified_rank), (4, 4));
        assert_eq!(rec.current.planned_at_ms, 2);
        assert_eq!(
            rec.current.message,
            "expiry (carried over from an older state file)"
        );
    }
}
