//! What the planner is told: thresholds, repeat window, who hears what.
//! Built from typed values (the shell's config parses durations at load).

use super::types::Severity;
use crate::doctor::Level;
use std::time::Duration;

const H: i64 = 3_600_000;

/// One channel as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelPolicy {
    pub name: String,
    pub min_severity: Severity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    /// Descending, unique, positive (milliseconds).
    pub thresholds_ms: Vec<i64>,
    pub repeat_every_ms: i64,
    pub send_resolved: bool,
    pub channels: Vec<ChannelPolicy>,
    /// A notice no channel accepted within this time is dropped (logged).
    pub max_pending_ms: i64,
    /// Doctor findings of this severity or worse are alerts (None: off).
    pub doctor_min: Option<Level>,
}

/// How long a notice waits for its channels before it is given up.
pub const MAX_PENDING_MS: i64 = 24 * H;

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            thresholds_ms: vec![7 * 24 * H, 24 * H, 2 * H],
            repeat_every_ms: 12 * H,
            send_resolved: true,
            channels: vec![],
            max_pending_ms: MAX_PENDING_MS,
            doctor_min: Some(Level::Error),
        }
    }
}

/// Milliseconds of a duration, saturating.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl AlertPolicy {
    /// A policy from typed settings: thresholds in any order (sorted
    /// descending, duplicates dropped), no channels yet.
    pub fn new(
        thresholds: &[Duration],
        repeat_every: Duration,
        send_resolved: bool,
        doctor_min: Option<Level>,
    ) -> AlertPolicy {
        let mut thresholds_ms: Vec<i64> = thresholds.iter().copied().map(millis).collect();
        thresholds_ms.sort_unstable_by(|a, b| b.cmp(a));
        thresholds_ms.dedup();
        AlertPolicy {
            thresholds_ms,
            repeat_every_ms: millis(repeat_every),
            send_resolved,
            channels: vec![],
            max_pending_ms: MAX_PENDING_MS,
            doctor_min,
        }
    }

    /// The same policy for these channels.
    pub fn with_channels(mut self, channels: Vec<ChannelPolicy>) -> AlertPolicy {
        self.channels = channels;
        self
    }

    /// The rank of the expired state (one past the last threshold).
    pub fn expired_rank(&self) -> u32 {
        u32::try_from(self.thresholds_ms.len())
            .unwrap_or(u32::MAX - 1)
            .saturating_add(1)
    }

    /// (rank, crossed threshold) for a remaining time; rank 0 = no threshold.
    pub fn expiry_rank(&self, remaining_ms: i64) -> (u32, Option<i64>) {
        if remaining_ms <= 0 {
            return (self.expired_rank(), None);
        }
        let crossed = self
            .thresholds_ms
            .iter()
            .filter(|t| remaining_ms <= **t)
            .count();
        match crossed.checked_sub(1) {
            None => (0, None),
            Some(last) => (
                u32::try_from(crossed).unwrap_or(u32::MAX),
                self.thresholds_ms.get(last).copied(),
            ),
        }
    }

    /// True when `last_ms` (none: never) is at least one repeat window
    /// before `now_ms`.
    pub fn repeat_due(&self, last_ms: Option<i64>, now_ms: i64) -> bool {
        last_ms.is_none_or(|t| now_ms - t >= self.repeat_every_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_per_threshold_then_expired() {
        let p = AlertPolicy::default();
        assert_eq!(p.expiry_rank(8 * 24 * H), (0, None));
        assert_eq!(p.expiry_rank(7 * 24 * H), (1, Some(7 * 24 * H)));
        assert_eq!(p.expiry_rank(3 * H), (2, Some(24 * H)));
        assert_eq!(p.expiry_rank(H), (3, Some(2 * H)));
        assert_eq!(p.expiry_rank(0), (4, None));
        assert_eq!(p.expired_rank(), 4);
    }

    #[test]
    fn built_from_durations_sorted_and_unique() {
        let p = AlertPolicy::new(
            &[
                Duration::from_secs(7200),
                Duration::from_secs(86_400),
                Duration::from_secs(7200),
            ],
            Duration::from_secs(3600),
            false,
            None,
        );
        assert_eq!(p.thresholds_ms, vec![24 * H, 2 * H]);
        assert_eq!(p.repeat_every_ms, H);
        assert!(!p.send_resolved);
        assert_eq!(p.max_pending_ms, 24 * H);
        let d = AlertPolicy::new(
            &[
                Duration::from_secs(7 * 86_400),
                Duration::from_secs(86_400),
                Duration::from_secs(7200),
            ],
            Duration::from_secs(12 * 3600),
            true,
            Some(Level::Error),
        );
        assert_eq!(d, AlertPolicy::default());
    }
}
