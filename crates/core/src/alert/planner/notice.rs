//! Planning one notice: what it does to the key's record, who gets it.

use crate::alert::policy::AlertPolicy;
use crate::alert::state::{ALL_CHANNELS, AlertRecord, AlertState};
use crate::alert::types::{AlertKey, NoticeKind, NoticeState, Notification};

/// A cycle's plan in progress: the next state and the notices so far.
pub struct Planner<'a> {
    pub policy: &'a AlertPolicy,
    pub now: i64,
    pub state: AlertState,
    pub out: Vec<Notification>,
}

/// What a notice of `kind` does to its record, and the notice's own
/// severity and state. `downgrade`: a resolved notice for the severity
/// people were told, while the key goes on firing lower.
fn apply(rec: &mut AlertRecord, n: &mut Notification, kind: NoticeKind, downgrade: bool, now: i64) {
    if kind.is_firing() {
        n.previous_severity = rec.notified_severity.filter(|p| *p != n.severity);
        rec.notified_firing(now);
        return;
    }
    n.severity = rec.notified_severity.unwrap_or(rec.severity);
    n.previous_severity = None;
    rec.last_resolved_notice_ms = Some(now);
    if downgrade {
        // Told "critical", now only a warning: resolve the critical
        // notice; the key goes on firing at its new rank.
        rec.notified_firing(now);
    } else {
        rec.forget_notified();
        n.state = NoticeState::Ok;
    }
}

/// The channels a notice goes to: firing ones to every channel its
/// severity reaches, resolved ones to those told it fires. A migrated
/// record's [`ALL_CHANNELS`] marker is expanded into real names.
fn targets(rec: &mut AlertRecord, n: &Notification, policy: &AlertPolicy) -> Vec<String> {
    let all = rec.delivered.contains(ALL_CHANNELS);
    let targets: Vec<String> = policy
        .channels
        .iter()
        .filter(|c| {
            if n.kind.is_firing() {
                c.min_severity <= n.severity
            } else {
                rec.delivered.contains(&c.name) || (all && c.min_severity <= n.severity)
            }
        })
        .map(|c| c.name.clone())
        .collect();
    if all {
        rec.delivered.remove(ALL_CHANNELS);
        for c in policy
            .channels
            .iter()
            .filter(|c| c.min_severity <= n.severity)
        {
            rec.delivered.insert(c.name.clone());
        }
    }
    targets
}

impl Planner<'_> {
    /// Plan one notice for `key` (see [`apply`] for `downgrade`).
    pub fn notice(&mut self, key: &AlertKey, kind: NoticeKind, downgrade: bool) {
        if !self.state.alerts.contains_key(key) {
            return;
        }
        let id = self.state.take_id();
        let Some(rec) = self.state.alerts.get_mut(key) else {
            return;
        };
        let mut n = rec.current.clone();
        n.id = id;
        n.kind = kind;
        n.planned_at_ms = self.now;
        apply(rec, &mut n, kind, downgrade, self.now);
        let targets = targets(rec, &n, self.policy);
        self.state.supersede(key);
        self.state.enqueue(n.clone(), targets);
        self.out.push(n);
    }
}
