//! OpenClaw's credential stores and the problems met reading them, the env
//! files and Claude Code's file.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::{
    LocalStore, ReadProblem, ReadReason, Snapshot, SourceName, StoreFailure, StoreRead,
};
use crate::openclaw::paths::display_path;
use crate::remedy::store_fix;

pub fn findings(snap: &Snapshot, out: &mut Vec<Finding>) {
    if let StoreRead::Failed {
        path,
        message,
        cause,
    } = &snap.shared_store
    {
        out.push(shared_store(*cause, message).path(display_path(path, &snap.paths.home)));
    }
    for a in &snap.agents {
        if let Some(LocalStore {
            path,
            store: Err(e),
        }) = &a.local_store
        {
            out.push(
                Finding::new(
                    FindingId::StoreUnreadable,
                    Level::Error,
                    format!("agent {}'s credential store cannot be read: {e}", a.id),
                    "restore it from a backup, or move it away and log in again (`openclaw models auth login`)",
                )
                .agent(a.id.clone())
                .path(display_path(path, &snap.paths.home)),
            );
        }
    }
}

fn shared_store(cause: StoreFailure, message: &str) -> Finding {
    if cause == StoreFailure::InvalidSharedLocation {
        Finding::new(
            FindingId::InvalidSharedStore,
            Level::Error,
            format!(
                "the state database says the shared auth store lives somewhere OpenClaw does not know, so every model-auth command fails: {message}"
            ),
            "run `openclaw doctor --fix` (the only valid value is {\"location\":\"state-db\"})",
        )
    } else {
        Finding::new(
            FindingId::StoreUnreadable,
            Level::Error,
            format!("OpenClaw's credential store cannot be read: {message}"),
            store_fix(cause),
        )
    }
}

/// Read problems that did not stop the read. Config, store and
/// legacy-file problems have their own findings.
pub fn read_problems(snap: &Snapshot, out: &mut Vec<Finding>) {
    out.extend(
        snap.problems
            .iter()
            .filter_map(|p| Some(read_problem(p)?.path_opt(p.path.clone()))),
    );
}

fn read_problem(p: &ReadProblem) -> Option<Finding> {
    Some(match (p.source, p.reason) {
        (SourceName::SqliteStore, ReadReason::DroppedProfile) => Finding::new(
            FindingId::ProfileDropped,
            Level::Warning,
            format!(
                "a stored profile is malformed and OpenClaw drops it too: {}",
                p.message
            ),
            "log in again for that provider (`openclaw models auth login --provider <p>` or paste-token); OpenClaw overwrites the entry",
        ),
        (SourceName::Dotenv, _) => Finding::new(
            FindingId::DotenvUnreadable,
            Level::Warning,
            format!("an env file is ignored: {}", p.message),
            "make it a readable KEY=VALUE file (chmod 600, owned by the gateway's user)",
        ),
        (SourceName::ClaudeCode, _) => Finding::new(
            FindingId::ClaudeCodeCredsInvalid,
            Level::Info,
            format!(
                "Claude Code's credentials file cannot be used: {}",
                p.message
            ),
            "run `claude` and `/login` if you use Claude Code (OpenClaw does not need it)",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::AgentRead;
    use std::path::PathBuf;

    #[test]
    fn failed_stores_table() {
        for (cause, id) in [
            (
                StoreFailure::InvalidSharedLocation,
                FindingId::InvalidSharedStore,
            ),
            (StoreFailure::StateDbUnopenable, FindingId::StoreUnreadable),
            (StoreFailure::StoreRowUnreadable, FindingId::StoreUnreadable),
        ] {
            let mut s = snap();
            s.shared_store = StoreRead::Failed {
                path: s.paths.state_db.clone(),
                message: "boom".into(),
                cause,
            };
            let mut out = Vec::new();
            findings(&s, &mut out);
            assert_eq!(ids(&out), [id]);
            assert_eq!(
                out[0].path.as_deref(),
                Some("~/.openclaw/state/openclaw.sqlite")
            );
        }
        let mut s = snap();
        s.agents = vec![AgentRead {
            id: "work".into(),
            local_store: Some(LocalStore {
                path: PathBuf::from("/h/.openclaw/agents/work/agent/openclaw-agent.sqlite"),
                store: Err("file is not a database".into()),
            }),
            ..Default::default()
        }];
        let mut out = Vec::new();
        findings(&s, &mut out);
        assert_eq!(ids(&out), [FindingId::StoreUnreadable]);
        assert_eq!(out[0].agent.as_deref(), Some("work"));
    }

    /// (source, reason) → id, or nothing.
    #[test]
    fn read_problems_table() {
        let cases = [
            (
                SourceName::SqliteStore,
                ReadReason::DroppedProfile,
                Some(FindingId::ProfileDropped),
            ),
            (SourceName::SqliteStore, ReadReason::Unreadable, None),
            (
                SourceName::Dotenv,
                ReadReason::Unreadable,
                Some(FindingId::DotenvUnreadable),
            ),
            (
                SourceName::ClaudeCode,
                ReadReason::Malformed,
                Some(FindingId::ClaudeCodeCredsInvalid),
            ),
            (SourceName::OpenclawConfig, ReadReason::Invalid, None),
            (SourceName::ProfilesJson, ReadReason::Malformed, None),
        ];
        for (source, reason, want) in cases {
            let mut s = snap();
            s.problems = vec![ReadProblem {
                source,
                reason,
                path: Some("~/x".into()),
                message: "m".into(),
            }];
            let mut out = Vec::new();
            read_problems(&s, &mut out);
            assert_eq!(
                ids(&out),
                want.into_iter().collect::<Vec<_>>(),
                "{source:?} {reason:?}"
            );
        }
    }
}
