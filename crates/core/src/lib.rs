//! clawwatch's pure core: OpenClaw's credential model and rules, doctor
//! findings and the alert planner.
//!
//! Nothing here does I/O. The shell (the `clawwatch` crate) reads files and
//! the environment into a [`model::Snapshot`]; [`evaluate::evaluate`] turns
//! it into a [`model::Report`] as of an instant it is given; the outputs,
//! channels and daemon render and deliver. No clock, environment, file or
//! network access happens in this crate (tests/it/architecture.rs checks).

pub mod alert;
pub mod doctor;
pub mod evaluate;
pub mod labels;
pub mod model;
pub mod openclaw;
pub mod ports;
pub mod remedy;
pub mod secret;
pub mod timefmt;

pub use evaluate::evaluate;
