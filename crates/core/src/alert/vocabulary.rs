//! The words every alert path shares, written once: alertnames, the
//! severity of each state and threshold, the labels and the `fix`
//! annotation. clawwatch's planner and channels use these; the Prometheus
//! rules (contrib/prometheus/alerts.yml), the Alertmanager example and the
//! docs are checked against them by tests.
//!
//! Severity bands of a credential's remaining time:
//!
//! | remaining            | alertname                            | severity |
//! |----------------------|--------------------------------------|----------|
//! | ≤ 7d, ≤ 24h          | `OpenClawCredentialExpiringSoon`     | warning  |
//! | ≤ 2h                 | `OpenClawCredentialExpiringCritical` | critical |
//! | expired, or missing  | `OpenClawCredentialExpiredOrMissing` | critical |
//!
//! The expiry bands are cumulative: a credential in a higher band still
//! fires the lower ones, which Alertmanager's inhibit rules silence. So an
//! escalation never ends an alert (no "resolved" while it got worse), and
//! the fix ends them all at once.

use super::types::{Condition, NoticeState, Notification, Severity};
use crate::doctor::FindingId;
use crate::model::{AgentReport, ProblemKind};
use std::collections::BTreeSet;

const H: i64 = 3_600_000;

/// A threshold at or under this is critical; above it, a warning.
pub const CRITICAL_WITHIN_MS: i64 = 2 * H;
/// The first warning (the rules' `OpenClawCredentialExpiringSoon` bound;
/// the planner's default first threshold).
pub const WARN_WITHIN_MS: i64 = 7 * 24 * H;

/// Labels every clawwatch alert may carry besides `alertname` and
/// `severity` (empty ones are left out).
pub const LABELS: [&str; 4] = ["agent", "provider", "profile", "host"];
/// The annotation that holds the command(s) to run.
pub const FIX_ANNOTATION: &str = "fix";

/// Every alertname of both paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertName {
    CredentialExpiringSoon,
    CredentialExpiringCritical,
    CredentialExpiredOrMissing,
    RouteUnavailable,
    AgentUnreadable,
    SourceErrors,
    DoctorError,
    DoctorWarning,
    AuthCheckFailing,
    Stale,
    Absent,
    CyclesFailing,
    AuthProbeFailing,
    Test,
    CredentialProblem,
}

/// Which path raises an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paths {
    /// clawwatch's planner and the Prometheus rules.
    Both,
    /// Only clawwatch's own channels.
    Planner,
    /// Only the Prometheus rules (about clawwatch itself, or the probe).
    Rules,
}

impl AlertName {
    pub const ALL: [AlertName; 15] = [
        AlertName::CredentialExpiringSoon,
        AlertName::CredentialExpiringCritical,
        AlertName::CredentialExpiredOrMissing,
        AlertName::RouteUnavailable,
        AlertName::AgentUnreadable,
        AlertName::SourceErrors,
        AlertName::DoctorError,
        AlertName::DoctorWarning,
        AlertName::AuthCheckFailing,
        AlertName::Stale,
        AlertName::Absent,
        AlertName::CyclesFailing,
        AlertName::AuthProbeFailing,
        AlertName::Test,
        AlertName::CredentialProblem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertName::CredentialExpiringSoon => "OpenClawCredentialExpiringSoon",
            AlertName::CredentialExpiringCritical => "OpenClawCredentialExpiringCritical",
            AlertName::CredentialExpiredOrMissing => "OpenClawCredentialExpiredOrMissing",
            AlertName::RouteUnavailable => "OpenClawRouteUnavailable",
            AlertName::AgentUnreadable => "ClawwatchAgentUnreadable",
            AlertName::SourceErrors => "ClawwatchSourceErrors",
            AlertName::DoctorError => "OpenClawDoctorError",
            AlertName::DoctorWarning => "OpenClawDoctorWarning",
            AlertName::AuthCheckFailing => "OpenClawAuthCheckFailing",
            AlertName::Stale => "ClawwatchStale",
            AlertName::Absent => "ClawwatchAbsent",
            AlertName::CyclesFailing => "ClawwatchCyclesFailing",
            AlertName::AuthProbeFailing => "OpenClawAuthProbeFailing",
            AlertName::Test => "ClawwatchTest",
            AlertName::CredentialProblem => "OpenClawCredentialProblem",
        }
    }

    /// The severity this alert always has.
    pub fn severity(self) -> Severity {
        use AlertName as A;
        match self {
            A::CredentialExpiringSoon
            | A::SourceErrors
            | A::DoctorWarning
            | A::Stale
            | A::CyclesFailing
            | A::Test => Severity::Warning,
            A::CredentialExpiringCritical
            | A::CredentialExpiredOrMissing
            | A::RouteUnavailable
            | A::AgentUnreadable
            | A::DoctorError
            | A::AuthCheckFailing
            | A::Absent
            | A::AuthProbeFailing
            | A::CredentialProblem => Severity::Critical,
        }
    }

    pub fn paths(self) -> Paths {
        use AlertName as A;
        match self {
            A::CredentialExpiringSoon
            | A::CredentialExpiringCritical
            | A::CredentialExpiredOrMissing
            | A::SourceErrors
            | A::DoctorError => Paths::Both,
            A::RouteUnavailable
            | A::AgentUnreadable
            | A::DoctorWarning
            | A::Test
            | A::CredentialProblem => Paths::Planner,
            A::AuthCheckFailing | A::Stale | A::Absent | A::CyclesFailing | A::AuthProbeFailing => {
                Paths::Rules
            }
        }
    }

    pub fn from_word(w: &str) -> Option<AlertName> {
        AlertName::ALL.into_iter().find(|a| a.as_str() == w)
    }
}

/// The severity of a crossed expiry threshold.
pub fn threshold_severity(threshold_ms: i64) -> Severity {
    if threshold_ms <= CRITICAL_WITHIN_MS {
        Severity::Critical
    } else {
        Severity::Warning
    }
}

/// The expiry bands, lowest first.
pub const EXPIRY_BANDS: [AlertName; 3] = [
    AlertName::CredentialExpiringSoon,
    AlertName::CredentialExpiringCritical,
    AlertName::CredentialExpiredOrMissing,
];

/// The band of a crossed expiry threshold.
fn threshold_band(threshold_ms: i64) -> AlertName {
    match threshold_severity(threshold_ms) {
        Severity::Warning => AlertName::CredentialExpiringSoon,
        Severity::Critical => AlertName::CredentialExpiringCritical,
    }
}

/// The alertname of what a notice says now. A resolved notice carries the
/// details it last fired with: its threshold (none once expired) names the
/// band it reached.
pub fn alertname(n: &Notification) -> AlertName {
    match &n.key.condition {
        Condition::Expiry => match (&n.state, n.threshold_ms) {
            (NoticeState::Expiring | NoticeState::Ok, Some(t)) => threshold_band(t),
            (NoticeState::Expiring, None) => AlertName::CredentialExpiringCritical,
            _ => AlertName::CredentialExpiredOrMissing,
        },
        Condition::Missing => AlertName::CredentialExpiredOrMissing,
        Condition::RuntimeUnavailable => AlertName::RouteUnavailable,
        Condition::Blind => AlertName::AgentUnreadable,
        Condition::Unreadable(_) => AlertName::SourceErrors,
        Condition::Doctor(_) => match n.severity {
            Severity::Critical => AlertName::DoctorError,
            Severity::Warning => AlertName::DoctorWarning,
        },
        Condition::Test => AlertName::Test,
        Condition::Other(_) => AlertName::CredentialProblem,
    }
}

/// The alertnames a notice holds up (or, resolved, ends): its own and,
/// for an expiry, every lower band (cumulative, see the module docs).
pub fn firing_alertnames(n: &Notification) -> Vec<AlertName> {
    let own = alertname(n);
    if n.key.condition != Condition::Expiry {
        return vec![own];
    }
    EXPIRY_BANDS
        .into_iter()
        .take_while(|b| *b != own)
        .chain([own])
        .collect()
}

/// Every alertname an alert key can have had (what a resolve ends).
pub fn all_alertnames(n: &Notification) -> Vec<AlertName> {
    if n.key.condition == Condition::Expiry {
        EXPIRY_BANDS.to_vec()
    } else {
        vec![alertname(n)]
    }
}

/// Doctor findings that only restate a credential alert: neither path
/// pages for them (the rules exclude these ids from `OpenClawDoctorError`).
pub const RESTATING_FINDINGS: [FindingId; 9] = [
    FindingId::ProfileExpired,
    FindingId::ProfileExpiring,
    FindingId::ProfileUnusable,
    FindingId::RouteWithoutCredential,
    FindingId::RouteRuntimeUnavailable,
    FindingId::AgentUnresolved,
    FindingId::ProfileDropped,
    FindingId::DotenvUnreadable,
    FindingId::ClaudeCodeCredsInvalid,
];

/// Doctor findings of a failed live probe: on the rules path
/// `OpenClawAuthProbeFailing` is that alert, so `OpenClawDoctorError`
/// leaves them out too (clawwatch's planner has no probe alert of its own:
/// there the finding is the alert).
pub const PROBE_FINDINGS: [FindingId; 3] = [
    FindingId::ProbeUnauthorized,
    FindingId::ProbeRateLimited,
    FindingId::ProbeFailed,
];

/// The profiles of an agent its credential alerts are about: those a
/// route selects, and those a route would use were they not expired or
/// unusable (OpenClaw skips them, so no route selects them). The metrics'
/// `openclaw_auth_credential_in_use` is 1 for exactly these.
pub fn alerted_profiles(a: &AgentReport) -> BTreeSet<&str> {
    let selected = a
        .credentials
        .iter()
        .filter(|c| c.in_use)
        .map(|c| c.profile.as_str());
    let blamed = a
        .problems
        .iter()
        .filter(|p| matches!(p.kind, ProblemKind::Expired | ProblemKind::Missing))
        .filter_map(|p| p.profile.as_deref());
    selected.chain(blamed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::types::{AlertKey, NoticeKind, NoticeSource};

    fn notice(condition: Condition, state: NoticeState, threshold: Option<i64>) -> Notification {
        let mut n = Notification::test("h", 0);
        n.kind = NoticeKind::Firing;
        n.key = AlertKey {
            agent: "main".into(),
            provider: "anthropic".into(),
            profile: "anthropic:manual".into(),
            condition,
        };
        n.state = state;
        n.threshold_ms = threshold;
        n.source = NoticeSource::None;
        n
    }

    #[test]
    fn bands_by_threshold_and_state() {
        let soon = notice(Condition::Expiry, NoticeState::Expiring, Some(24 * H));
        assert_eq!(alertname(&soon), AlertName::CredentialExpiringSoon);
        assert_eq!(
            firing_alertnames(&soon),
            vec![AlertName::CredentialExpiringSoon]
        );
        let crit = notice(Condition::Expiry, NoticeState::Expiring, Some(2 * H));
        assert_eq!(
            firing_alertnames(&crit),
            vec![
                AlertName::CredentialExpiringSoon,
                AlertName::CredentialExpiringCritical
            ]
        );
        let gone = notice(Condition::Expiry, NoticeState::Expired, None);
        assert_eq!(firing_alertnames(&gone), EXPIRY_BANDS.to_vec());
        let mut fixed = crit.clone();
        fixed.state = NoticeState::Ok;
        assert_eq!(firing_alertnames(&fixed), firing_alertnames(&crit));
        let mut fixed = gone.clone();
        fixed.state = NoticeState::Ok;
        assert_eq!(firing_alertnames(&fixed), EXPIRY_BANDS.to_vec());
        let missing = notice(Condition::Missing, NoticeState::Missing, None);
        assert_eq!(
            firing_alertnames(&missing),
            vec![AlertName::CredentialExpiredOrMissing]
        );
        assert_eq!(threshold_severity(7 * 24 * H), Severity::Warning);
        assert_eq!(threshold_severity(2 * H), Severity::Critical);
        for a in AlertName::ALL {
            assert_eq!(AlertName::from_word(a.as_str()), Some(a));
        }
    }
}
