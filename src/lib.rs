//! clawwatch, the imperative shell around [`clawwatch_core`]: sources read
//! files and the environment into a plain snapshot; the core judges it;
//! outputs render, channels deliver, the daemon schedules.

pub mod agent;
pub mod alert;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod exit;
pub mod fsutil;
pub mod output;
pub mod par;
pub mod schedule;
pub mod sources;
