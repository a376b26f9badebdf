//! What the core asks of the shell: traits the imperative parts implement.

use crate::doctor::Finding;
use crate::model::Report;
use chrono::{DateTime, Utc};

/// What a check cycle hands its report and doctor findings to (alerts and
/// the heartbeat). Implementations may block; they never fail the cycle.
pub trait Notifier: Send {
    fn cycle(&mut self, report: &Report, findings: &[Finding], now: DateTime<Utc>);
    fn heartbeat(&mut self, exit_code: i32);
}
