//! Which findings only restate what the check (and its alerts) says.

use super::finding::{Finding, Level};
use crate::alert::vocabulary::RESTATING_FINDINGS;
use crate::model::Report;

/// Findings that only restate what the credential alerts already say (an
/// expired or missing credential, an agent OpenClaw refuses to check, a
/// source clawwatch cannot read): metrics show them, alerts do not repeat
/// them.
pub fn restates_check(f: &Finding, report: &Report) -> bool {
    if RESTATING_FINDINGS.contains(&f.id) {
        return true;
    }
    // An error that makes OpenClaw refuse an agent is that agent's "blind"
    // alert already (its fix names the same command).
    let blind = |agent: &str| {
        report
            .agents
            .iter()
            .any(|a| a.agent == agent && a.failure.is_some())
    };
    f.severity == Level::Error
        && match &f.agent {
            Some(a) => blind(a),
            None => report.agents.iter().any(|a| a.failure.is_some()),
        }
}
