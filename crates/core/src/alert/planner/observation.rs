//! What a report says, as alert conditions.

use crate::alert::types::{
    AlertKey, NoticeKind, NoticeSource, NoticeState, Notification, Severity,
};
use crate::model::{CredState, CredType, Report};
use std::collections::{BTreeMap, BTreeSet};

/// One condition seen in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub key: AlertKey,
    pub rank: u32,
    pub severity: Severity,
    pub state: NoticeState,
    pub cred_type: Option<CredType>,
    pub source: NoticeSource,
    pub expires_at_ms: Option<i64>,
    pub threshold_ms: Option<i64>,
    pub message: String,
    pub fix: String,
}

impl Observed {
    /// The details a record keeps and its notices carry; `prev` (the
    /// record's last details) keeps its id and planning time.
    pub fn details(&self, since_ms: i64, prev: Option<&Notification>) -> Notification {
        Notification {
            id: prev.map(|p| p.id).unwrap_or(0),
            key: self.key.clone(),
            kind: NoticeKind::Firing,
            severity: self.severity,
            previous_severity: None,
            state: self.state.clone(),
            cred_type: self.cred_type,
            source: self.source.clone(),
            expires_at_ms: self.expires_at_ms,
            threshold_ms: self.threshold_ms,
            since_ms,
            planned_at_ms: prev.map(|p| p.planned_at_ms).unwrap_or(0),
            message: self.message.clone(),
            fix: self.fix.clone(),
        }
    }
}

/// What a report says, as alert conditions.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub firing: BTreeMap<AlertKey, Observed>,
    /// Agents OpenClaw cannot report on: their alerts are kept as they were.
    pub blind_agents: BTreeSet<String>,
    /// (agent, profile) of every credential the report shows → (state,
    /// expiry), to say how a resolved alert looks now.
    pub visible: BTreeMap<(String, String), (CredState, Option<i64>)>,
    /// Some source could not be read: an alert whose credential is no
    /// longer visible is kept, not resolved.
    pub partial: bool,
}

impl Observation {
    /// No conditions yet; what the report shows and whether it is partial.
    pub fn of(report: &Report) -> Observation {
        let visible = report
            .agents
            .iter()
            .flat_map(|a| a.credentials.iter())
            .chain(report.external.iter())
            .map(|c| {
                (
                    (c.agent.clone(), c.profile.clone()),
                    (c.state, c.expires_at_ms),
                )
            })
            .collect();
        Observation {
            partial: !report.read_problems.is_empty(),
            visible,
            ..Default::default()
        }
    }

    /// Add a condition (a later one for the same key replaces it).
    pub fn fire(&mut self, o: Observed) {
        self.firing.insert(o.key.clone(), o);
    }

    /// True when the alert for `key` may have vanished only because what
    /// holds it cannot be read: its agent is blind, or a source failed and
    /// its credential is not visible.
    pub fn hides(&self, key: &AlertKey) -> bool {
        self.blind_agents.contains(&key.agent)
            || (self.partial
                && !key.profile.is_empty()
                && !key.condition.is_unreadable()
                && !self
                    .visible
                    .contains_key(&(key.agent.clone(), key.profile.clone())))
    }

    /// The expiry the report shows now for `key`'s credential, if visible.
    pub fn visible_expiry(&self, key: &AlertKey) -> Option<Option<i64>> {
        self.visible
            .get(&(key.agent.clone(), key.profile.clone()))
            .map(|(_, at)| *at)
    }
}
