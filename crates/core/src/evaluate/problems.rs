//! From routes and credentials to problems: one per failing or expiring
//! route (deduplicated), with what is wrong and the command that fixes it.

use crate::model::{
    AgentFailure, CredState, CredentialReport, Problem, ProblemKind, RouteHealth, RouteReport,
    Verdict,
};
use crate::openclaw::providers::auth_key;
use crate::remedy::{self, fix_for};
use crate::timefmt::{human_duration, iso};
use std::collections::BTreeSet;

/// The problem of an agent OpenClaw refuses to report on.
pub fn failure(agent: &str, f: &AgentFailure) -> Problem {
    Problem {
        agent: agent.to_string(),
        provider: None,
        profile: None,
        verdict: Verdict::Failing,
        kind: ProblemKind::CommandFailed,
        message: f.message.clone(),
        fix: remedy::failure_fix(f.kind).to_string(),
    }
}

/// The credential behind a route's problem: the selected one, else the
/// provider's stored profile that could not be used (expired first).
fn culprit<'c>(r: &RouteReport, creds: &'c [CredentialReport]) -> Option<&'c CredentialReport> {
    if let Some(c) = r
        .selected
        .as_deref()
        .and_then(|id| creds.iter().find(|c| c.profile == id))
    {
        return Some(c);
    }
    let mine = || {
        creds
            .iter()
            .filter(|c| c.counted && c.source.is_store() && auth_key(&c.provider) == r.provider)
    };
    mine()
        .find(|c| c.state == CredState::Expired)
        .or_else(|| mine().find(|c| c.state != CredState::Ok && c.state != CredState::Static))
}

/// What is wrong with a route, in words.
fn describe(
    r: &RouteReport,
    cred: Option<&CredentialReport>,
    now_ms: i64,
) -> (ProblemKind, String) {
    let expired_ago =
        |c: &CredentialReport| human_duration(now_ms - c.expires_at_ms.unwrap_or(now_ms));
    match (r.health, cred) {
        (RouteHealth::Unavailable, _) => (
            ProblemKind::RuntimeUnavailable,
            format!("{} is unavailable: {}", r.model, r.detail),
        ),
        (RouteHealth::Expiring, Some(c)) => (
            ProblemKind::Expiring,
            format!(
                "{} expires in {}",
                c.profile,
                human_duration(c.expires_at_ms.unwrap_or(now_ms) - now_ms)
            ),
        ),
        (RouteHealth::Missing, Some(c)) if c.state == CredState::Expired => (
            ProblemKind::Expired,
            format!("{} expired {} ago", c.profile, expired_ago(c)),
        ),
        (RouteHealth::Missing, Some(c))
            if matches!(c.state, CredState::Cooldown | CredState::Disabled) =>
        {
            (
                ProblemKind::Cooldown,
                format!(
                    "{} is {} until {}",
                    c.profile,
                    c.state.as_str(),
                    iso(c.unusable_until_ms.unwrap_or(now_ms))
                ),
            )
        }
        (RouteHealth::Indeterminate, Some(c)) if c.state == CredState::Expired => (
            ProblemKind::Expired,
            format!(
                "{} expired {} ago (OpenClaw status does not refresh OAuth)",
                c.profile,
                expired_ago(c)
            ),
        ),
        (_, Some(c)) => (
            ProblemKind::Missing,
            format!(
                "{} cannot be used ({})",
                c.profile,
                c.reason.clone().unwrap_or_else(|| c.state.as_str().into())
            ),
        ),
        (_, None) => (
            ProblemKind::Missing,
            format!("no usable credential for {} ({})", r.model, r.detail),
        ),
    }
}

/// The fix of a route's problem.
fn fix(r: &RouteReport, kind: ProblemKind, cred: Option<&CredentialReport>) -> String {
    match kind {
        ProblemKind::RuntimeUnavailable => remedy::RUNTIME_UNAVAILABLE.to_string(),
        ProblemKind::Cooldown => remedy::COOLDOWN.to_string(),
        _ => {
            let env_var = cred.and_then(|c| (!c.source.is_store()).then_some(c.profile.as_str()));
            fix_for(&r.provider, cred.map(|c| c.cred_type), env_var)
        }
    }
}

/// One problem per failing or expiring route, the same route problem once.
pub fn routes(
    agent: &str,
    routes: &[RouteReport],
    creds: &[CredentialReport],
    now_ms: i64,
) -> Vec<Problem> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in routes {
        let verdict = match r.health {
            RouteHealth::Ok => continue,
            RouteHealth::Expiring => Verdict::Expiring,
            _ => Verdict::Failing,
        };
        if !seen.insert((r.provider.clone(), r.selected.clone(), r.health as u8)) {
            continue;
        }
        let cred = culprit(r, creds);
        let (kind, message) = describe(r, cred, now_ms);
        out.push(Problem {
            agent: agent.to_string(),
            provider: Some(r.provider.clone()),
            profile: r
                .selected
                .clone()
                .or_else(|| cred.map(|c| c.profile.clone())),
            verdict,
            kind,
            message,
            fix: fix(r, kind, cred),
        });
    }
    out
}
