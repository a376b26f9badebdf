//! `status --json`: a stable, versioned schema (documented in README.md).

use clawwatch_core::model::{CredentialReport, Report};
use clawwatch_core::timefmt::iso;
use serde_json::{Value, json};

pub const SCHEMA_VERSION: u32 = 1;

fn credential(c: &CredentialReport, now_ms: i64) -> Value {
    json!({
        "agent": c.agent,
        "provider": c.provider,
        "profile": c.profile,
        "type": c.cred_type,
        "source": c.source,
        "state": c.state,
        "reason": c.reason,
        "expires_at": c.expires_at_ms.map(iso),
        "expires_at_ms": c.expires_at_ms,
        "expires_in_seconds": c.expires_at_ms.map(|e| (e - now_ms) / 1000),
        "unusable_until": c.unusable_until_ms.map(iso),
        "masked": c.masked,
        "in_use": c.in_use,
        "counted": c.counted,
    })
}

pub fn render(report: &Report, exit_code: i32) -> String {
    let now = report.now_ms;
    let agents: Vec<Value> = report
        .agents
        .iter()
        .map(|a| {
            json!({
                "agent": a.agent,
                "default": a.default,
                "agent_dir": a.agent_dir,
                "store_path": a.store_path,
                "verdict": a.verdict,
                "failure": a.failure,
                "routes": a.routes,
                "credentials": a.credentials.iter().map(|c| credential(c, now)).collect::<Vec<_>>(),
                "providers": a.providers,
                "problems": a.problems,
            })
        })
        .collect();
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "now": iso(now),
        "warn_within_seconds": report.warn_within_ms / 1000,
        "verdict": report.verdict,
        "exit_code": exit_code,
        "state_dir": report.state_dir,
        "config_path": report.config_path,
        "openclaw_release": report.release,
        "agents": agents,
        "external": report.external.iter().map(|c| credential(c, now)).collect::<Vec<_>>(),
        "read_problems": report.read_problems,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
