//! Claude Code's own login (`~/.claude/.credentials.json`) beside
//! OpenClaw's anthropic credentials: expiry records that disagree, and a
//! login OpenClaw does not use.

use crate::doctor::describe::{failing, pkey};
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::doctor::stored::stored_secret;
use crate::model::{AgentReport, CredType, CredentialReport, Report, Snapshot};
use crate::openclaw::paths::display_path;
use crate::remedy::fix_for;
use crate::secret::Secret;
use crate::timefmt::{iso, relative};
use std::collections::BTreeSet;

/// Where an expiry stands, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Valid,
    Expiring,
    Expired,
}

impl Class {
    fn word(self) -> &'static str {
        match self {
            Class::Valid => "valid",
            Class::Expiring => "expiring",
            Class::Expired => "expired",
        }
    }
}

/// Claude Code's login and the instant it is judged at.
struct Login<'a> {
    now: i64,
    warn: i64,
    expires_ms: i64,
    path: String,
    token: &'a Secret,
}

impl Login<'_> {
    fn class(&self, e: i64) -> Class {
        if e <= self.now {
            Class::Expired
        } else if e - self.now <= self.warn {
            Class::Expiring
        } else {
            Class::Valid
        }
    }
}

pub fn findings(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let Some(cc) = &snap.claude_code else { return };
    let Ok(k) = &cc.creds else { return };
    let login = Login {
        now: report.now_ms,
        warn: report.warn_within_ms,
        expires_ms: k.expires_at_ms as i64,
        path: display_path(&cc.path, &snap.paths.home),
        token: &k.token,
    };
    // Anthropic token and OAuth profiles OpenClaw counts, each once.
    let mut seen = BTreeSet::new();
    for a in &report.agents {
        for c in &a.credentials {
            if compared(c) && seen.insert(c.profile.clone()) {
                out.extend(mismatch(snap, &login, a, c));
            }
        }
    }
    let anthropic_failing = report.agents.iter().any(|a| {
        a.routes
            .iter()
            .any(|r| r.provider == "anthropic" && failing(r))
    });
    if anthropic_failing && seen.is_empty() {
        out.push(unused(&login));
    }
}

fn compared(c: &CredentialReport) -> bool {
    c.counted
        && c.source.is_store()
        && pkey(&c.provider) == "anthropic"
        && matches!(c.cred_type, CredType::Token | CredType::OAuth)
}

/// The profile's expiry disagrees with Claude Code's: the same token with
/// two expiry records a minute apart, or different tokens in different
/// states.
fn mismatch(
    snap: &Snapshot,
    login: &Login<'_>,
    a: &AgentReport,
    c: &CredentialReport,
) -> Option<Finding> {
    let same = stored_secret(snap, &a.agent, &c.profile)
        .is_some_and(|s| s.expose().trim() == login.token.expose().trim());
    let cc_exp = login.expires_ms;
    let differs = match c.expires_at_ms {
        None => same,
        Some(e) if same => (e - cc_exp).abs() > 60_000,
        Some(e) => login.class(e) != login.class(cc_exp),
    };
    if !differs {
        return None;
    }
    let (sev, msg, fix) = judge(login, c, same);
    Some(
        Finding::new(FindingId::ClaudeCodeExpiryMismatch, sev, msg, fix)
            .agent(a.agent.clone())
            .path(login.path.clone()),
    )
}

/// How bad the disagreement is, what it means and what fixes it.
fn judge(login: &Login<'_>, c: &CredentialReport, same: bool) -> (Level, String, String) {
    let (now, cc_exp) = (login.now, login.expires_ms);
    let cc_class = login.class(cc_exp);
    let ours_class = c
        .expires_at_ms
        .map(|e| login.class(e))
        .unwrap_or(Class::Valid);
    let ours_text = match c.expires_at_ms {
        Some(e) => format!(
            "is {} ({}, {})",
            ours_class.word(),
            relative(e, now),
            iso(e)
        ),
        None => "has no recorded expiry".into(),
    };
    let msg = format!(
        "Claude Code's login ({}) is {} ({}, {}), but OpenClaw's {} ({}) {ours_text}",
        login.path,
        cc_class.word(),
        relative(cc_exp, now),
        iso(cc_exp),
        c.profile,
        c.cred_type,
    );
    if same {
        (
            Level::Warning,
            format!("{msg}: the same token with two different expiry records, so one of them is stale"),
            "paste the current token again (`openclaw models auth paste-token --provider anthropic`), better a long-lived one from `claude setup-token`".to_string(),
        )
    } else if ours_class > cc_class {
        (
            Level::Warning,
            format!("{msg}: OpenClaw keeps its own copy and does not see Claude Code's refreshes"),
            fix_for("anthropic", Some(c.cred_type), None),
        )
    } else {
        (
            Level::Info,
            format!("{msg}: Claude Code's own login is separate from OpenClaw's credential"),
            "run `claude` and `/login` if you use Claude Code; OpenClaw needs nothing".to_string(),
        )
    }
}

/// Claude Code is logged in, but OpenClaw's anthropic routes have nothing.
fn unused(login: &Login<'_>) -> Finding {
    Finding::new(
        FindingId::ClaudeCodeCredsUnused,
        Level::Info,
        format!(
            "Claude Code is logged in ({}, {} {}), but OpenClaw 2026.9 does not use Claude Code's login for its anthropic routes unless the claude CLI runtime is installed",
            login.path,
            login.class(login.expires_ms).word(),
            relative(login.expires_ms, login.now)
        ),
        "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`",
    )
    .path(login.path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::{ClaudeCodeCreds, ClaudeCodeRead, Credential};
    use std::path::PathBuf;

    const CC_TOKEN: &str = "sk-ant-oat01-FAKE-claude-code-0000000000";

    fn with_login(mut s: Snapshot, expires_ms: i64) -> Snapshot {
        s.claude_code = Some(ClaudeCodeRead {
            path: PathBuf::from("/h/.claude/.credentials.json"),
            creds: Ok(ClaudeCodeCreds {
                has_refresh: true,
                expires_at_ms: expires_ms as f64,
                subscription: None,
                token: Secret::new(CC_TOKEN),
            }),
        });
        s
    }

    fn same_token(mut p: crate::model::Profile) -> crate::model::Profile {
        if let Credential::Token { token, .. } = &mut p.credential {
            *token = Some(Secret::new(CC_TOKEN));
        }
        p
    }

    fn found(s: &Snapshot) -> Vec<(FindingId, Level)> {
        let mut out = Vec::new();
        findings(s, &report(s), &mut out);
        out.iter().map(|f| (f.id, f.severity)).collect()
    }

    /// (OpenClaw's profile, Claude Code's expiry) → findings.
    #[test]
    fn claude_code_table() {
        use FindingId::{ClaudeCodeCredsUnused as Unused, ClaudeCodeExpiryMismatch as Mismatch};
        let model = || with_model("anthropic/claude-sonnet-4-6");
        let day = 24 * HOUR;
        let cases = [
            // Different tokens, both valid: nothing to say.
            (
                store(model(), vec![token("anthropic:manual", NOW + 3 * day)]),
                NOW + 5 * day,
                vec![],
            ),
            // Ours expires soon, Claude Code's is fresh: ours is the stale copy.
            (
                store(model(), vec![token("anthropic:manual", NOW + HOUR)]),
                NOW + 5 * day,
                vec![(Mismatch, Level::Warning)],
            ),
            // Claude Code's expired, ours valid: separate logins.
            (
                store(model(), vec![token("anthropic:manual", NOW + 3 * day)]),
                NOW - HOUR,
                vec![(Mismatch, Level::Info)],
            ),
            // The same token with two expiry records.
            (
                store(
                    model(),
                    vec![same_token(token("anthropic:manual", NOW + 3 * day))],
                ),
                NOW + 5 * day,
                vec![(Mismatch, Level::Warning)],
            ),
            // The same token, records within a minute: nothing.
            (
                store(
                    model(),
                    vec![same_token(token("anthropic:manual", NOW + 3 * day))],
                ),
                NOW + 3 * day + 59_000,
                vec![],
            ),
            // No anthropic profile and the route fails: the login is unused.
            (model(), NOW + 5 * day, vec![(Unused, Level::Info)]),
            // An API key serves the route: nothing.
            (
                store(model(), vec![api_key("anthropic:key", "sk-ant-api03-FAKE")]),
                NOW + 5 * day,
                vec![],
            ),
        ];
        for (i, (s, cc_exp, want)) in cases.into_iter().enumerate() {
            assert_eq!(found(&with_login(s, cc_exp)), want, "case {i}");
        }
    }

    #[test]
    fn without_a_usable_login_nothing_is_said() {
        let mut s = with_login(with_model("anthropic/claude-sonnet-4-6"), NOW);
        if let Some(cc) = &mut s.claude_code {
            cc.creds = Err("malformed".into());
        }
        assert!(found(&s).is_empty());
        assert!(found(&with_model("anthropic/claude-sonnet-4-6")).is_empty());
    }
}
