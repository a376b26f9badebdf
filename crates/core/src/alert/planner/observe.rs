//! A report as alert conditions: its sources, its agents, their routes.

use super::credentials::observe_agent;
use super::observation::Observation;
use super::sources::{observe_blind_agent, observe_read_problems};
use crate::alert::policy::AlertPolicy;
use crate::model::Report;

/// Turn a report into alert conditions.
pub fn observe(report: &Report, policy: &AlertPolicy) -> Observation {
    let mut obs = Observation::of(report);
    observe_read_problems(&mut obs, report);
    for a in &report.agents {
        match &a.failure {
            Some(failure) => observe_blind_agent(&mut obs, a, failure),
            None => observe_agent(&mut obs, a, report.now_ms, policy),
        }
    }
    obs
}
