//! Alerting: a pure planner, persisted state, and one module per channel.

pub mod config;
