//! The credentials an agent's routes use, and routes with nothing usable.

use super::observation::{Observation, Observed};
use crate::alert::policy::AlertPolicy;
use crate::alert::types::{AlertKey, Condition, NoticeSource, NoticeState, Severity};
use crate::alert::vocabulary::threshold_severity;
use crate::model::{AgentReport, CredState, CredentialReport, Problem, ProblemKind};
use crate::remedy;
use crate::timefmt::iso;
use std::collections::BTreeSet;

/// What an observation of one credential says, before the shared fields.
struct Seen {
    condition: Condition,
    rank: u32,
    severity: Severity,
    state: NoticeState,
    threshold_ms: Option<i64>,
    message: String,
}

fn expired(c: &CredentialReport, rank: u32, at: Option<i64>) -> Seen {
    Seen {
        condition: Condition::Expiry,
        rank,
        severity: Severity::Critical,
        state: NoticeState::Expired,
        threshold_ms: None,
        message: match at {
            Some(at) => format!("{} expired at {}", c.profile, iso(at)),
            None => format!("{} has expired", c.profile),
        },
    }
}

/// The condition of one credential a route uses, if it is one.
fn seen(c: &CredentialReport, now_ms: i64, policy: &AlertPolicy) -> Option<Seen> {
    match (c.state, c.expires_at_ms) {
        (CredState::Expired, at) => Some(expired(c, policy.expired_rank(), at)),
        (CredState::Missing, _) => Some(Seen {
            condition: Condition::Missing,
            rank: 1,
            severity: Severity::Critical,
            state: NoticeState::Missing,
            threshold_ms: None,
            message: format!(
                "{} cannot be used ({})",
                c.profile,
                c.reason.as_deref().unwrap_or("missing")
            ),
        }),
        (_, Some(at)) => {
            let (rank, threshold_ms) = policy.expiry_rank(at - now_ms);
            if rank == 0 {
                None
            } else if rank == policy.expired_rank() {
                Some(expired(c, rank, Some(at)))
            } else {
                Some(Seen {
                    condition: Condition::Expiry,
                    rank,
                    severity: threshold_ms.map_or(Severity::Warning, threshold_severity),
                    state: NoticeState::Expiring,
                    threshold_ms,
                    message: format!("{} expires at {}", c.profile, iso(at)),
                })
            }
        }
        _ => None,
    }
}

fn fix_for_credential(c: &CredentialReport) -> String {
    let env_var = (!c.source.is_store()).then_some(c.profile.as_str());
    remedy::fix_for(&c.provider, Some(c.cred_type), env_var)
}

fn credential_alert(agent: &str, c: &CredentialReport, s: Seen) -> Observed {
    Observed {
        key: AlertKey {
            agent: agent.to_string(),
            provider: c.provider.clone(),
            profile: c.profile.clone(),
            condition: s.condition,
        },
        rank: s.rank,
        severity: s.severity,
        state: s.state,
        cred_type: Some(c.cred_type),
        source: NoticeSource::Credential(c.source),
        expires_at_ms: c.expires_at_ms,
        threshold_ms: s.threshold_ms,
        message: s.message,
        fix: fix_for_credential(c),
    }
}

/// A route problem as an alert: (condition, rank, state) by kind; None for
/// kinds that are not route alerts (a refused agent is its blind alert,
/// expiring and cooldown are the credentials' own business).
fn route_condition(
    kind: ProblemKind,
    policy: &AlertPolicy,
) -> Option<(Condition, u32, NoticeState)> {
    match kind {
        ProblemKind::Expired => Some((
            Condition::Expiry,
            policy.expired_rank(),
            NoticeState::Expired,
        )),
        ProblemKind::Missing => Some((Condition::Missing, 1, NoticeState::Missing)),
        ProblemKind::RuntimeUnavailable => {
            Some((Condition::RuntimeUnavailable, 1, NoticeState::Missing))
        }
        ProblemKind::CommandFailed | ProblemKind::Cooldown | ProblemKind::Expiring => None,
    }
}

fn route_alert(a: &AgentReport, p: &Problem, policy: &AlertPolicy) -> Option<Observed> {
    let (condition, rank, state) = route_condition(p.kind, policy)?;
    let cred = p
        .profile
        .as_deref()
        .and_then(|id| a.credentials.iter().find(|c| c.profile == id));
    let expires_at_ms = cred.and_then(|c| c.expires_at_ms);
    let message = match (p.kind, expires_at_ms) {
        (ProblemKind::Expired, Some(at)) => format!(
            "{} expired at {}; no configured route can use it",
            p.profile.as_deref().unwrap_or_default(),
            iso(at)
        ),
        _ => p.message.clone(),
    };
    Some(Observed {
        key: AlertKey {
            agent: a.agent.clone(),
            provider: cred
                .map(|c| c.provider.clone())
                .or_else(|| p.provider.clone())
                .unwrap_or_default(),
            profile: p.profile.clone().unwrap_or_default(),
            condition,
        },
        rank,
        severity: Severity::Critical,
        state,
        cred_type: cred.map(|c| c.cred_type),
        source: cred.map_or(NoticeSource::None, |c| NoticeSource::Credential(c.source)),
        expires_at_ms,
        threshold_ms: None,
        message,
        fix: p.fix.clone(),
    })
}

/// An agent OpenClaw reports on: the credentials its routes use, then
/// routes with nothing usable (no credential, an expired one no route
/// selects, a runtime that is not there) not already covered.
pub fn observe_agent(obs: &mut Observation, a: &AgentReport, now_ms: i64, policy: &AlertPolicy) {
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    for c in a.credentials.iter().filter(|c| c.in_use && c.counted) {
        if let Some(s) = seen(c, now_ms, policy) {
            covered.insert(c.profile.as_str());
            obs.fire(credential_alert(&a.agent, c, s));
        }
    }
    for p in &a.problems {
        if p.profile.as_deref().is_some_and(|id| covered.contains(id)) {
            continue;
        }
        if let Some(o) = route_alert(a, p, policy)
            && !obs.firing.contains_key(&o.key)
        {
            obs.fire(o);
        }
    }
}
