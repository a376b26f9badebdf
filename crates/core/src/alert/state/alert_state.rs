//! The state's data and its pure transitions: what a delivery, a failure
//! or a planned notice does to it.

use crate::alert::types::{AlertKey, NoticeState, Notification, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const STATE_VERSION: u32 = 2;

/// Marks a record migrated from a format without per-channel delivery: its
/// firing notice counts as delivered to every channel.
pub const ALL_CHANNELS: &str = "*";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub version: u32,
    /// The next notice id.
    pub next_id: u64,
    #[serde(with = "records")]
    pub alerts: BTreeMap<AlertKey, AlertRecord>,
    /// Notices not yet accepted by every channel they are meant for.
    pub outbox: Vec<OutboxEntry>,
    /// Per-channel delivery health and backoff.
    pub channels: BTreeMap<String, ChannelState>,
}

impl Default for AlertState {
    fn default() -> Self {
        AlertState {
            version: STATE_VERSION,
            next_id: 1,
            alerts: BTreeMap::new(),
            outbox: vec![],
            channels: BTreeMap::new(),
        }
    }
}

/// One alert key's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Observed firing at the last cycle.
    pub firing: bool,
    /// Current rank (expiry: 1.. per threshold crossed, thresholds+1 = expired).
    pub rank: u32,
    pub severity: Severity,
    /// When this incident started.
    pub since_ms: i64,
    #[serde(default)]
    pub resolved_at_ms: Option<i64>,
    /// The highest rank a firing notice was planned for in this incident
    /// (lowered when the condition improves, so a new crossing notifies).
    pub notified_rank: u32,
    /// The severity of the last firing notice planned in this incident.
    #[serde(default)]
    pub notified_severity: Option<Severity>,
    /// The last planned notice was a firing one (people believe it fires).
    pub believed_firing: bool,
    #[serde(default)]
    pub last_firing_notice_ms: Option<i64>,
    #[serde(default)]
    pub last_resolved_notice_ms: Option<i64>,
    /// Channels whose last accepted notice for this key was a firing one.
    #[serde(default)]
    pub delivered: BTreeSet<String>,
    /// The latest details (rendered by resolved notices and refreshes).
    pub current: Notification,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub notice: Notification,
    /// Channel name → delivery attempts so far.
    pub pending: BTreeMap<String, Pending>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pending {
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChannelState {
    /// Consecutive failed deliveries (0 when the last one succeeded).
    pub failures: u32,
    /// Do not try before this instant (exponential backoff).
    #[serde(default)]
    pub next_try_ms: Option<i64>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_success_ms: Option<i64>,
}

impl AlertRecord {
    /// A condition seen for the first time, not yet notified.
    pub fn opened(rank: u32, severity: Severity, now_ms: i64, current: Notification) -> Self {
        AlertRecord {
            firing: true,
            rank,
            severity,
            since_ms: now_ms,
            resolved_at_ms: None,
            notified_rank: 0,
            notified_severity: None,
            believed_firing: false,
            last_firing_notice_ms: None,
            last_resolved_notice_ms: None,
            delivered: BTreeSet::new(),
            current,
        }
    }

    /// Seen firing again: a resolved record starts a new incident.
    pub fn reopen(&mut self, now_ms: i64) {
        if !self.firing {
            self.firing = true;
            self.since_ms = now_ms;
            self.resolved_at_ms = None;
        }
    }

    /// No longer seen: the incident ends now.
    pub fn close(&mut self, now_ms: i64) {
        self.firing = false;
        self.resolved_at_ms = Some(now_ms);
    }

    /// A firing notice was planned for the current rank and severity.
    pub fn notified_firing(&mut self, now_ms: i64) {
        self.believed_firing = true;
        self.last_firing_notice_ms = Some(now_ms);
        self.notified_rank = self.rank;
        self.notified_severity = Some(self.severity);
    }

    /// People are (or will be) told it is over.
    pub fn forget_notified(&mut self) {
        self.believed_firing = false;
        self.notified_rank = 0;
        self.notified_severity = None;
    }
}

impl AlertState {
    /// The id for the next notice.
    pub fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A newer notice for `key` supersedes older undelivered ones.
    pub fn supersede(&mut self, key: &AlertKey) {
        for e in self.outbox.iter_mut().filter(|e| &e.notice.key == key) {
            e.pending.clear();
        }
        self.outbox.retain(|e| !e.pending.is_empty());
    }

    /// Queue `notice` for `targets` (nothing when there are none).
    pub fn enqueue(&mut self, notice: Notification, targets: Vec<String>) {
        if targets.is_empty() {
            return;
        }
        self.outbox.push(OutboxEntry {
            notice,
            pending: targets
                .into_iter()
                .map(|t| (t, Pending::default()))
                .collect(),
        });
    }

    /// Forget keys resolved for longer than `window_ms` and not pending.
    pub fn forget_resolved(&mut self, now_ms: i64, window_ms: i64) {
        let pending: BTreeSet<AlertKey> =
            self.outbox.iter().map(|e| e.notice.key.clone()).collect();
        self.alerts.retain(|k, r| {
            r.firing
                || r.believed_firing
                || pending.contains(k)
                || r.resolved_at_ms.is_none_or(|t| now_ms - t < window_ms)
        });
    }

    /// Drop deliveries to channels no longer configured and notices older
    /// than `max_pending_ms`; forget unconfigured channels' health.
    pub fn drop_stale(&mut self, channels: &BTreeSet<&str>, now_ms: i64, max_pending_ms: i64) {
        for e in &mut self.outbox {
            e.pending.retain(|c, _| channels.contains(c.as_str()));
            if now_ms - e.notice.planned_at_ms > max_pending_ms {
                e.pending.clear();
            }
        }
        self.outbox.retain(|e| !e.pending.is_empty());
        self.channels.retain(|c, _| channels.contains(c.as_str()));
    }

    /// Record that `channel` accepted notice `n`: it leaves the outbox for
    /// that channel, the key remembers what the channel was told, and the
    /// channel's backoff is reset.
    pub fn accepted(&mut self, n: &Notification, channel: &str, now_ms: i64) {
        for e in self.outbox.iter_mut().filter(|e| e.notice.id == n.id) {
            e.pending.remove(channel);
        }
        self.outbox.retain(|e| !e.pending.is_empty());
        if let Some(rec) = self.alerts.get_mut(&n.key) {
            if n.kind.is_firing() {
                rec.delivered.insert(channel.to_string());
            } else if n.state == NoticeState::Ok {
                rec.delivered.remove(channel);
            }
            // (A downgrade — "critical" resolved, still a warning — keeps
            // the channel among those told it fires.)
        }
        let cs = self.channels.entry(channel.to_string()).or_default();
        cs.failures = 0;
        cs.next_try_ms = None;
        cs.last_error = None;
        cs.last_success_ms = Some(now_ms);
    }

    /// Record a failed delivery of `n` to `channel`. A transient failure
    /// keeps the notice and backs the channel off (`backoff_ms` of the
    /// failure count); a permanent one drops the notice for that channel.
    pub fn failed(
        &mut self,
        n: &Notification,
        channel: &str,
        error: &str,
        transient: bool,
        now_ms: i64,
        backoff_ms: impl Fn(u32) -> i64,
    ) {
        if let Some(p) = self
            .outbox
            .iter_mut()
            .find(|x| x.notice.id == n.id)
            .and_then(|x| x.pending.get_mut(channel))
        {
            p.attempts += 1;
            p.last_error = Some(error.to_string());
        }
        if !transient {
            for x in self.outbox.iter_mut().filter(|x| x.notice.id == n.id) {
                x.pending.remove(channel);
            }
            self.outbox.retain(|x| !x.pending.is_empty());
        }
        self.channel_failed(channel, error, transient, now_ms, backoff_ms);
    }

    /// Record a channel failure (a send or an Alertmanager refresh).
    pub fn channel_failed(
        &mut self,
        channel: &str,
        error: &str,
        transient: bool,
        now_ms: i64,
        backoff_ms: impl Fn(u32) -> i64,
    ) {
        let cs = self.channels.entry(channel.to_string()).or_default();
        cs.last_error = Some(error.to_string());
        if transient {
            cs.failures += 1;
            cs.next_try_ms = Some(now_ms + backoff_ms(cs.failures));
        }
    }

    /// Stamps from the future (written while the clock was ahead, before a
    /// correction) are brought back to `now_ms`: a repeat or resolved
    /// notice is then due at most one repeat window from now, and a
    /// channel's backoff ends at most its own length from now, never at the
    /// wrong clock's date (issue 17, finding 5).
    pub fn clamp_to_clock(&mut self, now_ms: i64, backoff_ms: impl Fn(u32) -> i64) {
        let clamp = |t: &mut Option<i64>| {
            if let Some(v) = t.as_mut() {
                *v = (*v).min(now_ms);
            }
        };
        for r in self.alerts.values_mut() {
            r.since_ms = r.since_ms.min(now_ms);
            clamp(&mut r.resolved_at_ms);
            clamp(&mut r.last_firing_notice_ms);
            clamp(&mut r.last_resolved_notice_ms);
        }
        // Outbox notices keep planned_at_ms: it is part of their
        // idempotency key and Message-ID, which a re-send must repeat.
        for c in self.channels.values_mut() {
            clamp(&mut c.last_success_ms);
            let limit = now_ms.saturating_add(backoff_ms(c.failures));
            if let Some(t) = c.next_try_ms.as_mut() {
                *t = (*t).min(limit);
            }
        }
    }

    /// True while `channel` is backing off.
    pub fn backing_off(&self, channel: &str, now_ms: i64) -> bool {
        self.channels
            .get(channel)
            .and_then(|c| c.next_try_ms)
            .is_some_and(|t| t > now_ms)
    }

    /// The notices waiting for `channel`, oldest first.
    pub fn queue_for(&self, channel: &str) -> Vec<Notification> {
        let mut q: Vec<Notification> = self
            .outbox
            .iter()
            .filter(|e| e.pending.contains_key(channel))
            .map(|e| e.notice.clone())
            .collect();
        q.sort_by_key(|n| n.id);
        q
    }

    /// Deliveries still waiting, over all channels.
    pub fn pending_deliveries(&self) -> usize {
        self.outbox.iter().map(|e| e.pending.len()).sum()
    }

    /// What `channel` was told fires and still fires, at `min` or worse
    /// (Alertmanager's refresh).
    pub fn firing_for(&self, channel: &str, min: Severity) -> Vec<Notification> {
        self.alerts
            .values()
            .filter(|r| r.firing && r.believed_firing && r.delivered.contains(channel))
            .filter(|r| r.severity >= min)
            .map(|r| r.current.clone())
            .collect()
    }
}

/// The alerts map as a list of `{key, …record}` (JSON keys are strings).
mod records {
    use super::{AlertKey, AlertRecord};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct ItemRef<'a> {
        key: &'a AlertKey,
        #[serde(flatten)]
        record: &'a AlertRecord,
    }

    #[derive(Deserialize)]
    struct Item {
        key: AlertKey,
        #[serde(flatten)]
        record: AlertRecord,
    }

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<AlertKey, AlertRecord>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(|(key, record)| ItemRef { key, record }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<AlertKey, AlertRecord>, D::Error> {
        let items = Vec::<Item>::deserialize(d)?;
        Ok(items.into_iter().map(|i| (i.key, i.record)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::types::{Condition, NoticeKind};

    fn notice(id: u64, kind: NoticeKind) -> Notification {
        let mut n = Notification::test("h", 0);
        n.id = id;
        n.kind = kind;
        n.key.condition = Condition::Expiry;
        n
    }

    fn state_with(n: &Notification, channels: &[&str]) -> AlertState {
        let mut st = AlertState::default();
        st.alerts.insert(
            n.key.clone(),
            AlertRecord::opened(1, n.severity, 0, n.clone()),
        );
        st.enqueue(n.clone(), channels.iter().map(|c| c.to_string()).collect());
        st
    }

    #[test]
    fn finding_05_future_stamps_are_clamped_to_the_clock() {
        const YEAR: i64 = 365 * 24 * 3_600_000;
        let now = 1_795_639_915_000;
        let n = notice(1, NoticeKind::Firing);
        let mut st = state_with(&n, &["a"]);
        // Written while the clock read a year ahead.
        st.channel_failed("a", "down", true, now + YEAR, crate::alert::backoff_ms);
        let rec = st.alerts.values_mut().next().unwrap();
        rec.last_firing_notice_ms = Some(now + YEAR);
        rec.since_ms = now + YEAR;
        assert!(st.backing_off("a", now + 3_600_000));
        st.clamp_to_clock(now, crate::alert::backoff_ms);
        assert!(st.backing_off("a", now + 59_000), "still its own backoff");
        assert!(
            !st.backing_off("a", now + 60_000),
            "but no longer than that"
        );
        let rec = st.alerts.values().next().unwrap();
        assert_eq!(rec.last_firing_notice_ms, Some(now));
        assert_eq!(rec.since_ms, now);
        let policy = crate::alert::AlertPolicy::default();
        assert!(policy.repeat_due(rec.last_firing_notice_ms, now + policy.repeat_every_ms));
    }

    #[test]
    fn acceptance_leaves_the_outbox_and_remembers_the_channel() {
        let n = notice(1, NoticeKind::Firing);
        let mut st = state_with(&n, &["a", "b"]);
        st.accepted(&n, "a", 10);
        assert_eq!(st.queue_for("a"), vec![]);
        assert_eq!(st.queue_for("b"), vec![n.clone()]);
        assert!(st.alerts[&n.key].delivered.contains("a"));
        assert_eq!(st.channels["a"].last_success_ms, Some(10));
        st.accepted(&n, "b", 11);
        assert!(st.outbox.is_empty());
        // A resolved notice (state ok) takes the channel off the told list.
        let mut r = notice(2, NoticeKind::Resolved);
        r.state = NoticeState::Ok;
        st.enqueue(r.clone(), vec!["a".into()]);
        st.accepted(&r, "a", 12);
        assert!(!st.alerts[&n.key].delivered.contains("a"));
        assert!(st.alerts[&n.key].delivered.contains("b"));
    }

    #[test]
    fn failures_back_off_or_drop() {
        let n = notice(1, NoticeKind::Firing);
        let mut st = state_with(&n, &["a", "b"]);
        st.failed(&n, "a", "down", true, 100, |f| i64::from(f) * 1000);
        assert_eq!(st.outbox[0].pending["a"].attempts, 1);
        assert!(st.backing_off("a", 1099));
        assert!(!st.backing_off("a", 1100));
        st.failed(&n, "b", "404", false, 100, |_| 0);
        assert!(!st.outbox[0].pending.contains_key("b"));
        assert!(!st.backing_off("b", 100));
        assert_eq!(st.channels["b"].last_error.as_deref(), Some("404"));
    }

    #[test]
    fn stale_and_unconfigured_deliveries_are_dropped() {
        let n = notice(1, NoticeKind::Firing);
        let mut st = state_with(&n, &["a", "gone"]);
        st.channels.insert("gone".into(), ChannelState::default());
        st.drop_stale(&["a"].into(), 10, 100);
        assert_eq!(st.pending_deliveries(), 1);
        assert!(st.channels.is_empty());
        st.drop_stale(&["a"].into(), 101, 100);
        assert!(st.outbox.is_empty());
    }
}
