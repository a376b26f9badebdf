//! An agent's configured routes: an agent OpenClaw refuses to report on,
//! routes whose runtime is missing, and routes no credential serves.

use crate::doctor::describe::{failing, route_desc, routes_desc};
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{
    AgentReport, ConfigRead, FailureKind, RouteHealth, RouteReport, Snapshot, StoreRead,
};
use crate::remedy::fix_for;
use std::collections::{BTreeMap, BTreeSet};

/// An agent's routes by provider (as the route names it): those without a
/// usable credential, and those served (runtime-less routes are in
/// neither).
#[derive(Debug, Default)]
pub struct RouteGroups<'a> {
    pub failing_by: BTreeMap<String, Vec<&'a RouteReport>>,
    pub ok_by: BTreeMap<String, Vec<&'a RouteReport>>,
}

impl<'a> RouteGroups<'a> {
    pub fn of(a: &'a AgentReport) -> Self {
        let mut g = RouteGroups::default();
        for r in &a.routes {
            if r.health == RouteHealth::Unavailable {
                continue;
            }
            let by = if failing(r) {
                &mut g.failing_by
            } else {
                &mut g.ok_by
            };
            by.entry(r.provider.clone()).or_default().push(r);
        }
        g
    }
}

/// OpenClaw refuses to report on the agent for a reason no other finding
/// names (config, store and legacy-file failures have their own).
pub fn agent_failure(snap: &Snapshot, a: &AgentReport) -> Option<Finding> {
    let f = a.failure.as_ref()?;
    let covered = matches!(snap.config, ConfigRead::Invalid { .. })
        || matches!(snap.shared_store, StoreRead::Failed { .. })
        || matches!(
            f.kind,
            FailureKind::LegacyMigration | FailureKind::AgentDbUnreadable
        );
    if covered {
        return None;
    }
    let fix = match f.kind {
        FailureKind::NoModelOwner => {
            "pass --agent <id> (or --all-agents), or set agents.defaults.systemAgent.agentId in openclaw.json"
        }
        FailureKind::UnknownAgent => "use an agent id OpenClaw knows (`openclaw agents list`)",
        _ => "run `openclaw doctor`",
    };
    Some(
        Finding::new(
            FindingId::AgentUnresolved,
            Level::Error,
            format!("OpenClaw cannot report model auth for this agent: {f}"),
            fix,
        )
        .agent(a.agent.clone()),
    )
}

/// Routes whose model needs a runtime that is not installed, one per model.
pub fn runtime_unavailable(a: &AgentReport, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for r in &a.routes {
        if r.health == RouteHealth::Unavailable && seen.insert(r.model.clone()) {
            out.push(
                Finding::new(
                    FindingId::RouteRuntimeUnavailable,
                    Level::Error,
                    format!("route {} cannot run: {}", route_desc(r), r.detail),
                    "install/enable OpenClaw's codex plugin, or choose a non-openai default model (`openclaw models set <provider/model>`)",
                )
                .agent(a.agent.clone()),
            );
        }
    }
}

/// Providers whose routes fail without a profile finding explaining why.
pub fn without_credential(
    snap: &Snapshot,
    a: &AgentReport,
    groups: &RouteGroups<'_>,
    explained: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    for (p, rs) in &groups.failing_by {
        if explained.contains(p) {
            continue;
        }
        let detail = rs.first().map(|r| r.detail.as_str()).unwrap_or_default();
        let mut msg = format!(
            "no usable credential for provider {p}: {} ({detail})",
            routes_desc(rs)
        );
        if let Some(k) = a.providers.iter().find(|k| &k.provider == p)
            && k.env_var.is_none()
            && k.rotation_keys > 0
        {
            msg.push_str(&format!(
                "; the gateway's rotation keys ({}) do not count for OpenClaw's check",
                k.rotation_vars.join(", ")
            ));
        }
        if p == "anthropic" && snap.claude_code.as_ref().is_some_and(|c| c.creds.is_ok()) {
            msg.push_str("; Claude Code's own login does not count without the claude CLI runtime");
        }
        out.push(
            Finding::new(
                FindingId::RouteWithoutCredential,
                Level::Error,
                msg,
                fix_for(p, None, None),
            )
            .agent(a.agent.clone()),
        );
    }
}
