//! clawwatch: health checks for OpenClaw's model credentials.
//!
//! Functional core, imperative shell: [`sources`] read files and the
//! environment into a plain [`model::Snapshot`]; the pure
//! [`evaluate::evaluate`] turns it into a [`model::Report`]; [`output`]
//! renders reports. The core never reads the clock, the environment or the
//! filesystem.

pub mod agent;
pub mod alert;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod evaluate;
pub mod exit;
pub mod fsutil;
pub mod model;
pub mod output;
pub mod par;
pub mod schedule;
pub mod secret;
pub mod sources;
pub mod timefmt;

pub use evaluate::evaluate;
pub use model::{Policy, Report, Snapshot, Verdict};
