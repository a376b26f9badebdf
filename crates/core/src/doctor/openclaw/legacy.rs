//! Legacy JSON credential files (`auth-profiles.json`, `auth.json`, the
//! OAuth file, `auth-state.json`) that OpenClaw 2026.9 no longer reads.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{AgentRead, FailureKind, LegacyFile, LegacyKind, Report, Snapshot};
use crate::openclaw::agents::AGENT_DB;
use crate::openclaw::paths::display_path;
use std::collections::BTreeSet;

pub fn findings(snap: &Snapshot, report: &Report, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for a in &snap.agents {
        for l in &a.legacy {
            if seen.insert(l.path.clone()) {
                out.push(legacy_file(snap, report, a, l).agent(a.id.clone()));
            }
        }
    }
}

/// The finding's id and how messages name the file.
fn words(kind: LegacyKind) -> (FindingId, &'static str) {
    match kind {
        LegacyKind::AuthProfiles => (
            FindingId::LegacyAuthProfilesJson,
            "legacy auth-profiles.json",
        ),
        LegacyKind::LegacyAuth => (FindingId::LegacyAuthJson, "legacy auth.json"),
        LegacyKind::LegacyOauth => (FindingId::LegacyOauthJson, "legacy OAuth file"),
        LegacyKind::AuthState => (FindingId::LegacyAuthStateJson, "legacy auth-state.json"),
    }
}

fn legacy_file(snap: &Snapshot, report: &Report, a: &AgentRead, l: &LegacyFile) -> Finding {
    let home = &snap.paths.home;
    let shown = display_path(&l.path, home);
    let (id, kind_text) = words(l.kind);
    if !l.is_credential_source() {
        return Finding::new(
            id,
            Level::Info,
            format!("{kind_text} {shown} is left over (it holds no credentials; OpenClaw 2026.9 ignores it)"),
            "`openclaw doctor --fix` migrates and archives it",
        )
        .path(shown);
    }
    // OpenClaw names the agent's database when it refuses.
    let db = display_path(&a.dir.join(AGENT_DB), home);
    let blocks = report.agents.iter().any(|r| {
        r.failure.as_ref().is_some_and(|f| {
            f.kind == FailureKind::LegacyMigration && f.path.as_deref() == Some(db.as_str())
        })
    });
    let f = if blocks {
        blocking(id, kind_text, &shown, l)
    } else {
        left_over(id, kind_text, &shown, l)
    };
    f.path(shown)
}

/// What the file holds, for the message.
fn holds(l: &LegacyFile) -> String {
    match &l.contents {
        Ok(s) if s.profiles().is_empty() => "no profiles".to_string(),
        Ok(s) => {
            let providers: BTreeSet<&str> =
                s.profiles().iter().map(|p| p.provider.as_str()).collect();
            format!(
                "{} profile(s) for {}",
                s.profiles().len(),
                providers.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
        Err(e) => format!("malformed: {e}"),
    }
}

/// OpenClaw refuses to run until the file is migrated.
fn blocking(id: FindingId, kind_text: &str, shown: &str, l: &LegacyFile) -> Finding {
    let file = l
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Finding::new(
        id,
        Level::Error,
        format!(
            "{kind_text} {shown} is present ({}): OpenClaw 2026.9 never reads {file}, and refuses to run (\"requires legacy credential migration\") until it is migrated into the SQLite store",
            holds(l)
        ),
        if l.contents.is_ok() {
            "run `openclaw doctor --fix` (it migrates the profiles into the SQLite store)"
                .to_string()
        } else {
            format!(
                "the file is not valid JSON, so nothing can be migrated: move {shown} away, then log in again (`openclaw models auth login`, or paste-token)"
            )
        },
    )
}

/// The store already holds profiles: OpenClaw ignores the file.
fn left_over(id: FindingId, kind_text: &str, shown: &str, l: &LegacyFile) -> Finding {
    Finding::new(
        id,
        Level::Warning,
        format!(
            "{kind_text} {shown} is left over ({}): the SQLite store already holds profiles, so OpenClaw ignores it, but it still keeps credentials in plain JSON",
            holds(l)
        ),
        format!(
            "run `openclaw doctor --fix`, or delete {shown} once `clawwatch status` shows the same profiles in the store"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::{AuthStore, LocalStore};
    use std::path::PathBuf;

    fn agent_with(files: Vec<(LegacyKind, Result<AuthStore, String>)>) -> AgentRead {
        let dir = PathBuf::from("/h/.openclaw/agents/main/agent");
        AgentRead {
            id: "main".into(),
            legacy: files
                .into_iter()
                .map(|(kind, contents)| LegacyFile {
                    path: dir.join(match kind {
                        LegacyKind::AuthProfiles => "auth-profiles.json",
                        LegacyKind::LegacyAuth => "auth.json",
                        LegacyKind::LegacyOauth => "oauth.json",
                        LegacyKind::AuthState => "auth-state.json",
                    }),
                    kind,
                    contents,
                })
                .collect(),
            dir,
            ..Default::default()
        }
    }

    /// A home whose main agent has this legacy file; OpenClaw refuses to
    /// run while the store holds nothing else.
    fn home(legacy: (LegacyKind, Result<AuthStore, String>), store_empty: bool) -> Snapshot {
        // The shared store is in the state DB: the agent's own database
        // decides.
        let mut s = store(with_model("anthropic/claude-sonnet-4-6"), vec![]);
        let mut a = agent_with(vec![legacy]);
        if !store_empty {
            a.local_store = Some(LocalStore {
                path: a.dir.join(AGENT_DB),
                store: Ok([api_key("anthropic:key", "sk-ant-api03-FAKE")]
                    .into_iter()
                    .collect()),
            });
        }
        s.agents = vec![a];
        s
    }

    /// (file kind, contents, store empty) → (id, severity).
    #[test]
    fn legacy_files_table() {
        let one = || {
            Ok([token("anthropic:manual", NOW + HOUR)]
                .into_iter()
                .collect())
        };
        let cases = [
            (
                LegacyKind::AuthProfiles,
                one(),
                true,
                FindingId::LegacyAuthProfilesJson,
                Level::Error,
            ),
            (
                LegacyKind::AuthProfiles,
                one(),
                false,
                FindingId::LegacyAuthProfilesJson,
                Level::Warning,
            ),
            (
                LegacyKind::LegacyAuth,
                Err("not JSON".into()),
                true,
                FindingId::LegacyAuthJson,
                Level::Error,
            ),
            (
                LegacyKind::LegacyOauth,
                Ok(AuthStore::default()),
                false,
                FindingId::LegacyOauthJson,
                Level::Warning,
            ),
            (
                LegacyKind::AuthState,
                Ok(AuthStore::default()),
                true,
                FindingId::LegacyAuthStateJson,
                Level::Info,
            ),
        ];
        for (kind, contents, store_empty, id, sev) in cases {
            let s = home((kind, contents), store_empty);
            let mut out = Vec::new();
            findings(&s, &report(&s), &mut out);
            assert_eq!(out.len(), 1, "{kind:?}: {out:#?}");
            assert_eq!((out[0].id, out[0].severity), (id, sev), "{kind:?}");
            assert_eq!(out[0].agent.as_deref(), Some("main"));
        }
    }

    #[test]
    fn messages_say_what_the_file_holds() {
        let held = [
            token("anthropic:manual", NOW + HOUR),
            api_key("openai:key", "sk-FAKE"),
        ];
        let s = home(
            (LegacyKind::AuthProfiles, Ok(held.into_iter().collect())),
            true,
        );
        let mut out = Vec::new();
        findings(&s, &report(&s), &mut out);
        assert_eq!(
            out[0].message,
            "legacy auth-profiles.json ~/.openclaw/agents/main/agent/auth-profiles.json is present (2 profile(s) for anthropic, openai): OpenClaw 2026.9 never reads auth-profiles.json, and refuses to run (\"requires legacy credential migration\") until it is migrated into the SQLite store"
        );
        assert_eq!(
            out[0].fix,
            "run `openclaw doctor --fix` (it migrates the profiles into the SQLite store)"
        );
    }
}
