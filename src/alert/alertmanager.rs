//! Alertmanager: POST `<url>/api/v2/alerts` with labels alertname,
//! severity, agent, provider, profile; `endsAt` = now on resolve. Firing
//! alerts are re-posted every cycle with `endsAt` = now + `ends_after`, as
//! Prometheus does, so Alertmanager keeps them active and an Alertmanager
//! cluster routes, groups and deduplicates them across many hosts (the
//! host is an annotation, not a label, for that reason).

use super::channel::{Channel, SendError, http_agent, http_send};
use super::message::{Ctx, render};
use crate::config::alert::AlertmanagerConfig;
use clawwatch_core::alert::{Condition, NoticeKind, Notification, Severity};
use clawwatch_core::labels::label_safe;
use serde_json::json;

pub struct AlertmanagerChannel {
    name: String,
    min_severity: Severity,
    url: String,
    ends_after_ms: i64,
    agent: ureq::Agent,
}

/// The alertname of an alert key's condition.
pub fn alertname(condition: &Condition) -> &'static str {
    match condition {
        Condition::Expiry => "OpenClawCredentialExpiry",
        Condition::Missing => "OpenClawCredentialMissing",
        Condition::RuntimeUnavailable => "OpenClawRouteUnavailable",
        Condition::Blind => "ClawwatchAgentUnreadable",
        Condition::Test => "ClawwatchTest",
        Condition::Unreadable(_) => "ClawwatchSourceUnreadable",
        Condition::Doctor(_) => "OpenClawDoctorFinding",
        Condition::Other(_) => "OpenClawCredentialProblem",
    }
}

fn iso(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// One alert of the v2 API.
pub fn alert(n: &Notification, severity: Severity, ends_ms: i64, ctx: &Ctx) -> serde_json::Value {
    let r = render(n, ctx);
    let k = &n.key;
    let mut labels = serde_json::Map::new();
    labels.insert("alertname".into(), alertname(&k.condition).into());
    labels.insert("severity".into(), severity.as_str().into());
    for (name, v) in [
        ("agent", &k.agent),
        ("provider", &k.provider),
        ("profile", &k.profile),
    ] {
        if !v.is_empty() {
            labels.insert(name.into(), label_safe(v).into());
        }
    }
    if let Some(id) = k.condition.doctor_id() {
        labels.insert("id".into(), id.into());
    }
    if n.kind == NoticeKind::Test {
        labels.insert("instance".into(), ctx.host.clone().into());
    }
    json!({
        "labels": labels,
        "annotations": {
            "summary": r.title,
            "description": n.message,
            "remediation": n.fix,
            "state": n.state.as_str(),
            "expires_at": n.expires_at_ms.map(clawwatch_core::timefmt::iso).unwrap_or_default(),
            "host": ctx.host,
        },
        "startsAt": iso(if n.kind == NoticeKind::Test { ctx.now_ms } else { n.since_ms }),
        "endsAt": iso(ends_ms),
    })
}

impl AlertmanagerChannel {
    pub fn new(cfg: &AlertmanagerConfig) -> Result<AlertmanagerChannel, String> {
        Ok(AlertmanagerChannel {
            name: cfg.name.clone(),
            min_severity: cfg.min_severity,
            url: format!("{}/api/v2/alerts", cfg.url.trim().trim_end_matches('/')),
            ends_after_ms: i64::try_from(cfg.ends_after.as_millis()).unwrap_or(i64::MAX / 2),
            agent: http_agent(cfg.timeout),
        })
    }

    fn post(&self, alerts: Vec<serde_json::Value>) -> Result<(), SendError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let bytes = serde_json::to_vec(&alerts).map_err(|e| SendError::permanent(e.to_string()))?;
        http_send(
            self.agent
                .post(&self.url)
                .header("content-type", "application/json")
                .send(&bytes[..]),
            &[],
        )
    }
}

impl Channel for AlertmanagerChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "alertmanager"
    }

    fn min_severity(&self) -> Severity {
        self.min_severity
    }

    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
        let now = ctx.now_ms;
        let mut alerts = vec![];
        match n.kind {
            NoticeKind::Resolved => alerts.push(alert(n, n.severity, now, ctx)),
            NoticeKind::Test => alerts.push(alert(n, n.severity, now + 5 * 60_000, ctx)),
            _ => {
                alerts.push(alert(
                    n,
                    n.severity,
                    now.saturating_add(self.ends_after_ms),
                    ctx,
                ));
                if let Some(prev) = n.previous_severity {
                    // The alert under its old severity label ends now.
                    alerts.push(alert(n, prev, now, ctx));
                }
            }
        }
        self.post(alerts)
    }

    fn wants_refresh(&self) -> bool {
        true
    }

    fn refresh(&self, firing: &[Notification], ctx: &Ctx) -> Result<(), SendError> {
        let ends = ctx.now_ms.saturating_add(self.ends_after_ms);
        self.post(
            firing
                .iter()
                .map(|n| alert(n, n.severity, ends, ctx))
                .collect(),
        )
    }
}
