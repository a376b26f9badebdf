//! Doctor findings as alerts.

use super::observation::{Observation, Observed};
use crate::alert::policy::AlertPolicy;
use crate::alert::types::{AlertKey, Condition, NoticeSource, NoticeState, Severity};
use crate::doctor::{Finding, Level, restates_check};
use crate::model::Report;
use std::collections::BTreeMap;

/// One alert for the findings that share an (agent, id): the worst one's
/// words, and how many more there are.
fn finding_alert(key: AlertKey, fs: &[&Finding]) -> Option<Observed> {
    let worst = fs.iter().map(|f| f.severity).max()?;
    let first = fs.iter().find(|f| f.severity == worst).or(fs.first())?;
    let mut message = first.message.clone();
    if fs.len() > 1 {
        message.push_str(&format!(" (and {} more like it)", fs.len() - 1));
    }
    let (rank, severity) = match worst {
        Level::Error => (2, Severity::Critical),
        _ => (1, Severity::Warning),
    };
    Some(Observed {
        key,
        rank,
        severity,
        state: NoticeState::Doctor,
        cred_type: None,
        source: NoticeSource::path(first.path.as_deref()),
        expires_at_ms: None,
        threshold_ms: None,
        message,
        fix: first.fix.clone(),
    })
}

/// Add doctor findings to an observation: one alert per (agent, finding
/// id), condition `doctor:<id>`, for findings of `policy.doctor_min` or
/// worse that do not merely restate a credential alert. Errors are
/// critical, warnings warnings; several findings with one id are one alert.
pub fn observe_findings(
    obs: &mut Observation,
    findings: &[Finding],
    report: &Report,
    policy: &AlertPolicy,
) {
    let Some(min) = policy.doctor_min else {
        return;
    };
    let mut grouped: BTreeMap<AlertKey, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if f.severity < min || f.severity == Level::Info || restates_check(f, report) {
            continue;
        }
        let key = AlertKey {
            agent: f.agent.clone().unwrap_or_default(),
            provider: String::new(),
            profile: String::new(),
            condition: Condition::Doctor(f.id.to_string()),
        };
        grouped.entry(key).or_default().push(f);
    }
    for (key, fs) in grouped {
        if let Some(o) = finding_alert(key, &fs) {
            obs.fire(o);
        }
    }
}
