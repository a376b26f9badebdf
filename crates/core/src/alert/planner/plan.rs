//! A cycle's plan: fire what is observed, resolve what is gone, prune.

use super::notice::Planner;
use super::observation::{Observation, Observed};
use super::observe::observe;
use crate::alert::policy::AlertPolicy;
use crate::alert::state::{AlertRecord, AlertState, OutboxEntry};
use crate::alert::types::{AlertKey, NoticeKind, Notification, Severity};
use crate::model::Report;
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Plan this cycle's notices. Pure: the same inputs give the same outputs.
pub fn plan(
    report: &Report,
    state: &AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> (Vec<Notification>, AlertState) {
    let obs = observe(report, policy);
    plan_observed(&obs, state, now, policy)
}

/// [`plan`] from an [`Observation`] (for callers that built one, e.g. with
/// doctor findings added).
pub fn plan_observed(
    obs: &Observation,
    state: &AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> (Vec<Notification>, AlertState) {
    let mut p = Planner {
        policy,
        now: now.timestamp_millis(),
        state: state.clone(),
        out: vec![],
    };
    p.state
        .clamp_to_clock(p.now, super::super::backoff::backoff_ms);
    fire_observed(&mut p, obs);
    resolve_unseen(&mut p, obs);
    prune(&mut p.state, p.now, policy);
    (p.out, p.state)
}

/// Firing conditions, critical first: open, escalate, downgrade or repeat.
fn fire_observed(p: &mut Planner<'_>, obs: &Observation) {
    let mut firing: Vec<(&AlertKey, &Observed)> = obs.firing.iter().collect();
    firing.sort_by_key(|(k, o)| (Reverse(o.severity), (*k).clone()));
    for (key, o) in firing {
        if let Some((kind, downgrade)) = observed(&mut p.state, key, o, p.now, p.policy) {
            p.notice(key, kind, downgrade);
        }
    }
}

/// Update `key`'s record from what was observed; the notice it calls for
/// (kind, downgrade), if any.
fn observed(
    state: &mut AlertState,
    key: &AlertKey,
    o: &Observed,
    now: i64,
    policy: &AlertPolicy,
) -> Option<(NoticeKind, bool)> {
    let Some(rec) = state.alerts.get_mut(key) else {
        let rec = AlertRecord::opened(o.rank, o.severity, now, o.details(now, None));
        state.alerts.insert(key.clone(), rec);
        return Some((NoticeKind::Firing, false));
    };
    rec.reopen(now);
    rec.rank = o.rank;
    rec.severity = o.severity;
    rec.current = o.details(rec.since_ms, Some(&rec.current));
    if !rec.believed_firing {
        Some((NoticeKind::Firing, false))
    } else if o.rank > rec.notified_rank {
        Some((NoticeKind::Escalated, false))
    } else if rec.notified_severity.is_some_and(|s| s > o.severity) {
        Some((NoticeKind::Resolved, true))
    } else {
        if o.rank < rec.notified_rank {
            rec.notified_rank = o.rank;
        }
        // Warnings are reminded by the next threshold; failures
        // (critical) repeat.
        (o.severity == Severity::Critical && policy.repeat_due(rec.last_firing_notice_ms, now))
            .then_some((NoticeKind::Repeat, false))
    }
}

/// Conditions no longer seen: resolved (unless what holds them cannot be
/// read), with one resolved notice per repeat window.
fn resolve_unseen(p: &mut Planner<'_>, obs: &Observation) {
    let keys: Vec<AlertKey> = p.state.alerts.keys().cloned().collect();
    for key in keys {
        if obs.firing.contains_key(&key) {
            continue;
        }
        let Some(rec) = p.state.alerts.get_mut(&key) else {
            continue;
        };
        if rec.firing {
            if obs.hides(&key) {
                continue;
            }
            rec.close(p.now);
            if let Some(expires) = obs.visible_expiry(&key) {
                rec.current.expires_at_ms = expires;
            }
        }
        if rec.believed_firing {
            if !p.policy.send_resolved {
                rec.forget_notified();
            } else if p.policy.repeat_due(rec.last_resolved_notice_ms, p.now) {
                p.notice(&key, NoticeKind::Resolved, false);
            }
        }
    }
}

/// Forget keys resolved for longer than a repeat window and not pending;
/// drop deliveries to channels no longer configured and notices too old.
fn prune(state: &mut AlertState, now: i64, policy: &AlertPolicy) {
    state.forget_resolved(now, policy.repeat_every_ms);
    let names: BTreeSet<&str> = policy.channels.iter().map(|c| c.name.as_str()).collect();
    state.drop_stale(&names, now, policy.max_pending_ms);
}

/// Notices dropped by [`plan`] because no channel accepted them within
/// `max_pending_ms` (for logging): those in `before` past the age limit.
pub fn expired_notices<'a>(
    before: &'a AlertState,
    now: DateTime<Utc>,
    policy: &AlertPolicy,
) -> impl Iterator<Item = &'a OutboxEntry> {
    let now = now.timestamp_millis();
    before
        .outbox
        .iter()
        .filter(move |e| now - e.notice.planned_at_ms > policy.max_pending_ms)
}
