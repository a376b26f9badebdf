//! Alertmanager: POST `<url>/api/v2/alerts` with the labels of
//! [`clawwatch_core::alert::vocabulary`]: alertname, severity, agent,
//! provider, profile and host (so two hosts with the same agent and
//! profile ids are two alerts), and the `fix` annotation. `endsAt` = now
//! on resolve. Firing alerts are re-posted every cycle with `endsAt` = now
//! plus `ends_after`, as Prometheus does, so Alertmanager keeps them active and
//! an Alertmanager cluster routes, groups and deduplicates them.
//!
//! Expiry bands are cumulative: a credential under 2h also holds up
//! `OpenClawCredentialExpiringSoon`, an expired one both expiring bands;
//! the inhibit rules of contrib/alertmanager/alertmanager.yml silence the
//! lower ones. An escalation therefore never ends an alert (no "resolved"
//! while it got worse); the fix ends every band at once.

use super::channel::{Channel, SendError, http_agent, http_send};
use super::message::{Ctx, render};
use crate::config::alert::AlertmanagerConfig;
use clawwatch_core::alert::vocabulary::{self, AlertName, FIX_ANNOTATION};
use clawwatch_core::alert::{NoticeKind, NoticeState, Notification, Severity};
use clawwatch_core::labels::label_safe;
use serde_json::json;

pub struct AlertmanagerChannel {
    name: String,
    min_severity: Severity,
    url: String,
    ends_after_ms: i64,
    agent: ureq::Agent,
}

/// The alertname of what a notice says now.
pub fn alertname(n: &Notification) -> &'static str {
    vocabulary::alertname(n).as_str()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// One alert of the v2 API: `n` under alertname `name`, ending at `ends_ms`.
pub fn alert(n: &Notification, name: AlertName, ends_ms: i64, ctx: &Ctx) -> serde_json::Value {
    let r = render(n, ctx);
    let k = &n.key;
    let mut labels = serde_json::Map::new();
    labels.insert("alertname".into(), name.as_str().into());
    labels.insert("severity".into(), name.severity().as_str().into());
    for (label, v) in vocabulary::LABELS.into_iter().zip([
        k.agent.as_str(),
        k.provider.as_str(),
        k.profile.as_str(),
        ctx.host.as_str(),
    ]) {
        if !v.is_empty() {
            labels.insert(label.into(), label_safe(v).into());
        }
    }
    if let Some(id) = k.condition.doctor_id() {
        labels.insert("id".into(), id.into());
    }
    json!({
        "labels": labels,
        "annotations": {
            "summary": r.title,
            "description": n.message,
            FIX_ANNOTATION: n.fix,
            "state": n.state.as_str(),
            "expires_at": n.expires_at_ms.map(clawwatch_core::timefmt::iso).unwrap_or_default(),
        },
        "startsAt": iso(if n.kind == NoticeKind::Test { ctx.now_ms } else { n.since_ms }),
        "endsAt": iso(ends_ms),
    })
}

/// The alerts of one notice: a firing one holds up its band and the lower
/// ones until `ends_ms`; a resolved one ends the bands it held up; an
/// improvement (resolved, yet not ok) ends the bands above its new one.
pub fn alerts(n: &Notification, ends_ms: i64, ctx: &Ctx) -> Vec<serde_json::Value> {
    let held = vocabulary::firing_alertnames(n);
    let now = ctx.now_ms;
    match n.kind {
        NoticeKind::Resolved if n.state == NoticeState::Ok => {
            held.into_iter().map(|a| alert(n, a, now, ctx)).collect()
        }
        NoticeKind::Resolved => vocabulary::all_alertnames(n)
            .into_iter()
            .map(|a| alert(n, a, if held.contains(&a) { ends_ms } else { now }, ctx))
            .collect(),
        _ => held
            .into_iter()
            .map(|a| alert(n, a, ends_ms, ctx))
            .collect(),
    }
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
        let ends = match n.kind {
            NoticeKind::Test => now + 5 * 60_000,
            _ => now.saturating_add(self.ends_after_ms),
        };
        self.post(alerts(n, ends, ctx))
    }

    fn wants_refresh(&self) -> bool {
        true
    }

    fn refresh(&self, firing: &[Notification], ctx: &Ctx) -> Result<(), SendError> {
        let ends = ctx.now_ms.saturating_add(self.ends_after_ms);
        self.post(
            firing
                .iter()
                .flat_map(|n| {
                    vocabulary::firing_alertnames(n)
                        .into_iter()
                        .map(move |name| alert(n, name, ends, ctx))
                })
                .collect(),
        )
    }
}
