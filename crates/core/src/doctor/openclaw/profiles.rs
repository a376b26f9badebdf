//! The stored profiles an agent counts: expired, expiring, cooling down or
//! disabled, unusable. Whether one is an error depends on whether it
//! leaves routes without a credential.

use super::routes::RouteGroups;
use crate::doctor::describe::{pkey, routes_desc};
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{AgentReport, CredState, CredentialReport, RouteReport};
use crate::remedy::fix_for;
use crate::timefmt::{human_duration, iso, relative};
use std::collections::BTreeSet;

/// Pushes the findings of the agent's counted store profiles; returns the
/// providers whose failing routes they explain.
pub fn findings(
    a: &AgentReport,
    groups: &RouteGroups<'_>,
    now: i64,
    out: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let mut explained = BTreeSet::new();
    for c in &a.credentials {
        if !c.counted || !c.source.is_store() {
            continue;
        }
        let ctx = Ctx {
            a,
            c,
            p: pkey(&c.provider),
            groups,
            now,
        };
        let found = match c.state {
            CredState::Expired => expired(&ctx),
            CredState::Expiring => expiring(&ctx),
            CredState::Cooldown | CredState::Disabled => unusable_for_now(&ctx),
            CredState::Missing => unusable(&ctx),
            _ => continue,
        };
        // An expiring credential still serves its routes; the others explain
        // why the provider's routes fail.
        if ctx.breaks().is_some() && c.state != CredState::Expiring {
            explained.insert(ctx.p.clone());
        }
        out.push(found);
    }
    explained
}

/// One credential and what its provider's routes look like.
struct Ctx<'a> {
    a: &'a AgentReport,
    c: &'a CredentialReport,
    /// The provider id as auth lookups use it.
    p: String,
    groups: &'a RouteGroups<'a>,
    now: i64,
}

impl Ctx<'_> {
    /// The provider's routes that fail (this credential did not save them).
    fn breaks(&self) -> Option<&Vec<&RouteReport>> {
        self.groups.failing_by.get(&self.p)
    }

    /// The routes that select this credential.
    fn used_by(&self) -> Vec<&RouteReport> {
        self.a
            .routes
            .iter()
            .filter(|r| r.selected.as_deref() == Some(self.c.profile.as_str()))
            .collect()
    }

    /// Why this credential does not matter to the routes.
    fn others(&self) -> String {
        let Some(rs) = self.groups.ok_by.get(&self.p) else {
            return format!("no configured route uses {}", self.p);
        };
        let sel: BTreeSet<&str> = rs.iter().filter_map(|r| r.selected.as_deref()).collect();
        if sel.is_empty() {
            format!(
                "not selected: routes {} use another credential",
                routes_desc(rs)
            )
        } else {
            format!(
                "not selected: routes {} use {}",
                routes_desc(rs),
                sel.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    }

    fn fix(&self) -> String {
        fix_for(&self.p, Some(self.c.cred_type), None)
    }

    /// `<profile> (<type>)`, how messages start.
    fn who(&self) -> String {
        format!("{} ({})", self.c.profile, self.c.cred_type)
    }

    fn finding(&self, id: FindingId, sev: Level, msg: String, fix: String) -> Finding {
        Finding::new(id, sev, msg, fix)
            .agent(self.a.agent.clone())
            .path(self.a.store_path.clone())
    }
}

fn expired(ctx: &Ctx<'_>) -> Finding {
    let now = ctx.now;
    let when = ctx
        .c
        .expires_at_ms
        .map(|e| format!("expired {} ago, at {}", human_duration(now - e), iso(e)))
        .unwrap_or_else(|| "expired".into());
    let who = ctx.who();
    match ctx.breaks() {
        Some(rs) => ctx.finding(
            FindingId::ProfileExpired,
            Level::Error,
            format!(
                "{who} {when}; nothing else can serve {}, so those routes fail",
                routes_desc(rs)
            ),
            ctx.fix(),
        ),
        None => ctx.finding(
            FindingId::ProfileExpired,
            Level::Warning,
            format!("{who} {when}; {}", ctx.others()),
            format!("{} (or remove the profile)", ctx.fix()),
        ),
    }
}

fn expiring(ctx: &Ctx<'_>) -> Finding {
    let now = ctx.now;
    let when = ctx
        .c
        .expires_at_ms
        .map(|e| format!("expires in {}, at {}", human_duration(e - now), iso(e)))
        .unwrap_or_else(|| "expires soon".into());
    let who = ctx.who();
    let used_by = ctx.used_by();
    if used_by.is_empty() {
        ctx.finding(
            FindingId::ProfileExpiring,
            Level::Info,
            format!("{who} {when}; {}", ctx.others()),
            ctx.fix(),
        )
    } else {
        ctx.finding(
            FindingId::ProfileExpiring,
            Level::Warning,
            format!("{who} {when}; used by routes {}", routes_desc(&used_by)),
            ctx.fix(),
        )
    }
}

/// In cooldown or disabled until some time.
fn unusable_for_now(ctx: &Ctx<'_>) -> Finding {
    let (c, p, now) = (ctx.c, &ctx.p, ctx.now);
    let disabled = c.state == CredState::Disabled;
    // The reason code is `cooldown:<OpenClaw's reason>` / `disabled:<…>`.
    let reason = c
        .reason
        .as_deref()
        .and_then(|r| r.split_once(':').map(|(_, r)| r))
        .unwrap_or("unknown");
    let until = c
        .unusable_until_ms
        .map(|u| format!("until {} ({})", iso(u), relative(u, now)))
        .unwrap_or_default();
    let (id, word) = if disabled {
        (FindingId::ProfileDisabled, "disabled")
    } else {
        (FindingId::ProfileCooldown, "in cooldown")
    };
    let (sev, tail) = match ctx.breaks() {
        Some(rs) => (
            Level::Error,
            format!(
                "it is the only credential for {}, so those routes fail meanwhile",
                routes_desc(rs)
            ),
        ),
        None if disabled => (Level::Warning, ctx.others()),
        None => (Level::Info, ctx.others()),
    };
    let fix = if disabled {
        format!(
            "fix the cause ({reason}, e.g. billing at the provider's console) and re-authenticate: {}",
            ctx.fix()
        )
    } else {
        format!(
            "wait for the cooldown to end, or add another credential for {p} (a second key, or `openclaw models auth login --provider {p}`)"
        )
    };
    let msg = format!("{} is {word} ({reason}) {until}; {tail}", ctx.who());
    ctx.finding(id, sev, msg, fix)
}

/// Present but unusable (no key, a bad expiry, an unresolved reference…).
fn unusable(ctx: &Ctx<'_>) -> Finding {
    let why = reason_text(ctx.c.reason.as_deref());
    let who = ctx.who();
    match ctx.breaks() {
        Some(rs) => ctx.finding(
            FindingId::ProfileUnusable,
            Level::Error,
            format!(
                "{who} cannot be used: {why}; nothing else can serve {}",
                routes_desc(rs)
            ),
            ctx.fix(),
        ),
        None => ctx.finding(
            FindingId::ProfileUnusable,
            Level::Warning,
            format!("{who} cannot be used: {why}; {}", ctx.others()),
            ctx.fix(),
        ),
    }
}

/// OpenClaw's reason codes for an unusable profile, in words.
fn reason_text(reason: Option<&str>) -> String {
    match reason.unwrap_or("") {
        "invalid_expires" => "its expiry is not a valid epoch-milliseconds number".into(),
        "missing_credential" => "it holds no key or token".into(),
        "malformed_api_key" => "its key is a pasted `openclaw onboard` command, not a key".into(),
        "setup_inactive" => "it is a saved setup credential that was never activated".into(),
        "missing_expiry" => "the OAuth credential has no expiry".into(),
        "unresolved_ref" => "its secret reference cannot be resolved".into(),
        "" => "unknown reason".into(),
        other => other.into(),
    }
}
