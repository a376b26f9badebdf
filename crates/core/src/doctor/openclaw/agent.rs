//! One agent's findings: why OpenClaw cannot report on it, its routes and
//! the profiles they select.

use super::profiles;
use super::routes::{self, RouteGroups};
use crate::doctor::finding::Finding;
use crate::model::{AgentReport, Snapshot};

pub fn findings(snap: &Snapshot, a: &AgentReport, now: i64, out: &mut Vec<Finding>) {
    out.extend(routes::agent_failure(snap, a));
    routes::runtime_unavailable(a, out);
    let groups = RouteGroups::of(a);
    let explained = profiles::findings(a, &groups, now, out);
    routes::without_credential(snap, a, &groups, &explained, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::finding::Level;
    use crate::doctor::id::FindingId as F;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::{
        AgentScope, Credential, Expires, Policy, Profile, Report, StoreRead, UsageStats,
    };

    fn agent_findings(s: &Snapshot, r: &Report) -> Vec<(F, Level)> {
        let mut out = Vec::new();
        for a in &r.agents {
            findings(s, a, r.now_ms, &mut out);
        }
        out.iter().map(|f| (f.id, f.severity)).collect()
    }

    fn anthropic(profiles: Vec<Profile>) -> Snapshot {
        store(with_model("anthropic/claude-sonnet-4-6"), profiles)
    }

    fn bad_expiry(mut p: Profile) -> Profile {
        if let Credential::Token { expires, .. } = &mut p.credential {
            *expires = Expires::NotANumber("a string".into());
        }
        p
    }

    /// What a home is, the home, the agent's findings.
    type Case = (&'static str, Snapshot, Vec<(F, Level)>);

    /// The home → the agent's findings.
    #[test]
    fn routes_and_profiles_table() {
        let key = || api_key("anthropic:key", "sk-ant-api03-FAKE-0000");
        let cases: Vec<Case> = vec![
            ("a healthy key", anthropic(vec![key()]), vec![]),
            (
                "the only token expired",
                anthropic(vec![token("anthropic:manual", NOW - HOUR)]),
                vec![(F::ProfileExpired, Level::Error)],
            ),
            (
                "an expired token beside a key",
                anthropic(vec![token("anthropic:manual", NOW - HOUR), key()]),
                vec![(F::ProfileExpired, Level::Warning)],
            ),
            (
                "the used token expires soon",
                anthropic(vec![token("anthropic:manual", NOW + HOUR)]),
                vec![(F::ProfileExpiring, Level::Warning)],
            ),
            (
                "the only token has a bad expiry",
                anthropic(vec![bad_expiry(token("anthropic:manual", 0))]),
                vec![(F::ProfileUnusable, Level::Error)],
            ),
            (
                "nothing for the route",
                with_model("anthropic/claude-sonnet-4-6"),
                vec![(F::RouteWithoutCredential, Level::Error)],
            ),
            (
                "an openai text route without codex",
                store(
                    with_model("openai/gpt-5"),
                    vec![api_key("openai:key", "sk-FAKE")],
                ),
                vec![(F::RouteRuntimeUnavailable, Level::Error)],
            ),
        ];
        for (what, s, want) in cases {
            assert_eq!(agent_findings(&s, &report(&s)), want, "{what}");
        }
    }

    #[test]
    fn a_disabled_profile_names_its_reason() {
        let mut s = anthropic(vec![
            api_key("anthropic:key", "sk-ant-api03-FAKE-0000"),
            api_key("anthropic:other", "sk-ant-api03-FAKE-1111"),
        ]);
        if let StoreRead::Loaded { store, .. } = &mut s.shared_store {
            store.usage.insert(
                "anthropic:key".into(),
                UsageStats {
                    disabled_until: Some((NOW + HOUR) as f64),
                    disabled_reason: Some("billing".into()),
                    ..Default::default()
                },
            );
        }
        let r = report(&s);
        let mut out = Vec::new();
        findings(&s, &r.agents[0], NOW, &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(
            (out[0].id, out[0].severity),
            (F::ProfileDisabled, Level::Warning)
        );
        assert!(
            out[0]
                .message
                .starts_with("anthropic:key (api_key) is disabled (billing) until "),
            "{}",
            out[0].message
        );
        assert!(
            out[0].fix.starts_with("fix the cause (billing, "),
            "{}",
            out[0].fix
        );
    }

    #[test]
    fn an_unknown_agent_is_unresolved() {
        let s = anthropic(vec![]);
        let policy = Policy {
            agents: AgentScope::Only(vec!["ghost".into()]),
            ..Default::default()
        };
        let r = crate::evaluate(&s, NOW, &policy);
        assert_eq!(
            agent_findings(&s, &r)[0],
            (F::AgentUnresolved, Level::Error)
        );
    }
}
