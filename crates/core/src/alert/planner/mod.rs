//! The pure alert planner:
//! `plan(&Report, &AlertState, now, &AlertPolicy) -> (Vec<Notification>, AlertState)`.
//!
//! Per alert key (agent, provider, profile, condition): inactive → firing
//! (rank, severity) → resolved. No clock, filesystem or network here; the
//! shell's `Alerter` loads the state, calls `plan`, delivers the outbox and
//! saves the state.
//!
//! Rules:
//! - conditions come from the report's credentials that a route uses
//!   (`in_use`), from problems of routes with nothing usable, and from what
//!   cannot be read (an agent OpenClaw cannot report on, a source clawwatch
//!   cannot read: "the monitor is blind"), and from doctor findings;
//! - expiry ranks: each threshold crossed (7d, 24h, 2h by default) is one
//!   rank, a warning above 2h and critical at or under it
//!   ([`crate::alert::vocabulary`]), expired is the last (critical); missing, unusable
//!   routes and blind agents are critical, unreadable sources warnings;
//! - a higher rank than notified always notifies at once (escalation is
//!   never held back by an earlier notice); a critical alert re-notifies
//!   after `repeat_every` ("still expired since …"), a warning is reminded
//!   by the next threshold instead; an improvement lowers the notified rank
//!   silently, so a later crossing notifies again, and an improvement from
//!   critical to warning (a renewed credential that still expires within
//!   the first threshold) sends one resolved notice for the critical one;
//! - an alert that vanishes while its agent or its source cannot be read is
//!   kept as it was, never resolved (nor turned into "missing");
//! - resolved notices (with `send_resolved`) go to the channels that were
//!   told it fired; at most one resolved notice per key per `repeat_every`:
//!   a flapping alert that resolves again inside that window is resolved
//!   silently until the window ends, and one that fires again while people
//!   still believe it fires is not re-announced;
//! - each notice goes to the outbox for every channel whose `min_severity`
//!   it meets; a newer notice for a key supersedes older undelivered ones.

mod credentials;
mod findings;
mod notice;
mod observation;
mod observe;
mod plan;
mod sources;
#[cfg(test)]
mod tests;

pub use findings::observe_findings;
pub use observation::{Observation, Observed};
pub use observe::observe;
pub use plan::{expired_notices, plan, plan_observed};
