//! Alerting's shell: the state file, the channels, the cycle that ties
//! them to the pure planner in [`clawwatch_core::alert`].
//!
//! [`Alerter::cycle`] loads the state file, plans, saves the plan (so a
//! crash never loses a planned notice), delivers the outbox channel by
//! channel in parallel (saving after every accepted notice, so a restart
//! re-sends at most the one notice whose acceptance was not yet written),
//! re-posts firing alerts to Alertmanager, saves. One channel's failure
//! never blocks another; a failing channel backs off exponentially (1 min
//! doubling to 1 h) and its notices wait in the outbox.

pub mod alerter;
pub mod alertmanager;
pub mod channel;
pub mod command;
pub mod delivery;
pub mod email;
pub mod heartbeat;
pub mod message;
pub mod ntfy;
pub mod outcome;
pub mod state_file;
pub mod test_command;
pub mod webhook;

pub use crate::output::alert_metrics::AlertMetrics;
pub use alerter::{AlertError, Alerter, host_name};
pub use channel::{Channel, SendError};
pub use clawwatch_core::alert::{
    AlertKey, AlertPolicy, AlertState, Condition, NoticeKind, NoticeState, Notification, Severity,
    backoff_ms, plan,
};
pub use outcome::CycleOutcome;
pub use test_command::test_command;
