//! Alerting's pure side: what a report means as alerts, which notices a
//! cycle plans, and the state that remembers what each channel was told.
//!
//! `plan(&Report, &AlertState, now, &AlertPolicy) -> (Vec<Notification>,
//! AlertState)` is pure; the shell (`clawwatch::alert`) loads and saves the
//! state file and delivers the outbox.

pub mod backoff;
pub mod planner;
pub mod policy;
pub mod state;
pub mod types;
pub mod vocabulary;

pub use backoff::{BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoff_ms};
pub use planner::{
    Observation, Observed, expired_notices, observe, observe_findings, plan, plan_observed,
};
pub use policy::{AlertPolicy, ChannelPolicy};
pub use state::{
    ALL_CHANNELS, AlertRecord, AlertState, ChannelState, OutboxEntry, Pending, STATE_VERSION,
    StateError,
};
pub use types::{
    AlertKey, Condition, NoticeKind, NoticeSource, NoticeState, Notification, Severity,
};
