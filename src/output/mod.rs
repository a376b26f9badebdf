//! Renderers of a [`clawwatch_core::model::Report`]: terminal, JSON, `simple` words;
//! doctor's report and metrics.

pub mod alert_metrics;
pub mod doctor;
pub mod doctor_metrics;
pub mod json;
pub mod metrics;
pub mod process;
pub mod simple;
pub mod terminal;
pub mod textfile;
