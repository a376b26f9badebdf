//! What cannot be read: sources clawwatch cannot read, agents OpenClaw
//! cannot report on. "The monitor is blind."

use super::observation::{Observation, Observed};
use crate::alert::types::{AlertKey, Condition, NoticeSource, NoticeState, Severity};
use crate::model::{
    AgentFailure, AgentReport, ProblemKind, ReadProblem, ReadReason, Report, SourceName,
};
use crate::remedy;

/// A config or store that cannot be read at all makes agents fail
/// (OpenClaw refuses them too): their "blind" alerts say it; a second
/// alert for the same file would only repeat it.
fn restated_by_blind_agents(p: &ReadProblem, any_blind: bool) -> bool {
    any_blind
        && matches!(
            p.source,
            SourceName::OpenclawConfig | SourceName::SqliteStore
        )
        && matches!(p.reason, ReadReason::Invalid | ReadReason::Unreadable)
}

fn unreadable(p: &ReadProblem) -> Observed {
    Observed {
        key: AlertKey {
            agent: String::new(),
            provider: String::new(),
            profile: p.path.clone().unwrap_or_default(),
            condition: Condition::Unreadable(p.source),
        },
        rank: 1,
        severity: Severity::Warning,
        state: NoticeState::Unreadable,
        cred_type: None,
        source: NoticeSource::Reader(p.source),
        expires_at_ms: None,
        threshold_ms: None,
        message: format!(
            "clawwatch cannot read {} ({}): {}; what it holds is not watched",
            p.path.as_deref().unwrap_or(p.source.as_str()),
            p.reason,
            p.message
        ),
        fix: remedy::UNREADABLE_SOURCE.into(),
    }
}

/// One warning per source clawwatch cannot read.
pub fn observe_read_problems(obs: &mut Observation, report: &Report) {
    let any_blind = report.agents.iter().any(|a| a.failure.is_some());
    for p in &report.read_problems {
        if !restated_by_blind_agents(p, any_blind) {
            obs.fire(unreadable(p));
        }
    }
}

/// An agent OpenClaw cannot report on: one critical alert; its other
/// alerts are kept as they were.
pub fn observe_blind_agent(obs: &mut Observation, a: &AgentReport, failure: &AgentFailure) {
    obs.blind_agents.insert(a.agent.clone());
    let fix = a
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::CommandFailed)
        .map(|p| p.fix.clone())
        .unwrap_or_else(|| remedy::DOCTOR.into());
    obs.fire(Observed {
        key: AlertKey {
            agent: a.agent.clone(),
            provider: String::new(),
            profile: String::new(),
            condition: Condition::Blind,
        },
        rank: 1,
        severity: Severity::Critical,
        state: NoticeState::Blind,
        cred_type: None,
        source: NoticeSource::None,
        expires_at_ms: None,
        threshold_ms: None,
        message: format!(
            "agent {} cannot be checked: {failure} (OpenClaw fails the same way)",
            a.agent
        ),
        fix,
    });
}
