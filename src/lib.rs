//! clawwatch, the imperative shell around [`clawwatch_core`]: sources read
//! files and the environment into a plain snapshot; the core judges it;
//! outputs render, channels deliver, the daemon schedules.
//!
//! Imports run downhill only: `app` → `daemon` → `alert`, `doctor` →
//! `check` → `sources`, `output`, `config` → `clawwatch_core`.

pub mod alert;
pub mod app;
pub mod check;
pub mod config;
pub mod daemon;
pub mod doctor;
pub mod exit;
pub mod fsutil;
pub mod output;
pub mod par;
pub mod schedule;
pub mod sources;
pub mod version;
