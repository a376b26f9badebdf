//! The release that will read the home against the release that last
//! wrote it: across eras OpenClaw refuses the home (a newer binary until
//! `openclaw doctor --fix` migrates it, an older one for config keys it
//! does not know) or reads another store than the one written.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::model::Snapshot;
use crate::openclaw::release::{Era, Release, ReleaseChoice};

pub fn findings(snap: &Snapshot, out: &mut Vec<Finding>) {
    if let Some(home) = snap.release.home_mismatch() {
        out.push(mismatch(&snap.release, home));
    }
}

/// What the reading release does with a home of another era.
fn consequence(reader: Era, home: Era) -> &'static str {
    match (reader, home) {
        (Era::StateDb, Era::JsonStore) => {
            "it refuses the home (\"requires legacy credential migration\", check exits 1) until `openclaw doctor --fix` moves auth-profiles.json into state/openclaw.sqlite"
        }
        (Era::StateDb, _) => {
            "it refuses the home (meta.lastTouchedAt and the old SQLite schemas fail its checks, check exits 1) until `openclaw doctor --fix` migrates it; the first run may refuse (\"Held agent main database\") and a second one migrates"
        }
        (Era::AgentDb, Era::JsonStore) => {
            "it reads only openclaw-agent.sqlite and ignores auth-profiles.json (\"Missing auth\") until `openclaw doctor --fix` imports it"
        }
        _ => {
            "an older binary rejects the config keys and stores the newer release wrote (\"Invalid config\", check exits 1)"
        }
    }
}

fn mismatch(choice: &ReleaseChoice, home: Release) -> Finding {
    let (reader, home_era) = (choice.era, home.era());
    let fix = if reader > home_era {
        format!(
            "run `openclaw doctor --fix` with the openclaw {} that will read the home (run it again if it says \"Held agent … database\"), or pin the gateway to {home}",
            choice.release
        )
    } else {
        format!(
            "upgrade the openclaw that reads the home to {home} or later (`npm install -g openclaw@{home}`), or tell clawwatch with --openclaw-version / [openclaw] version if another release runs"
        )
    };
    Finding::new(
        FindingId::OpenclawReleaseMismatch,
        Level::Warning,
        format!(
            "the home was last written by OpenClaw {home} ({home_era} era), but {} ({} era) will read it ({}): {}; clawwatch gives that release's verdict",
            choice.release,
            reader,
            choice.reason,
            consequence(reader, home_era)
        ),
        fix,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openclaw::release::{ReleaseInputs, decide};

    fn snap(flag: &str, home: &str) -> Snapshot {
        Snapshot {
            release: decide(&ReleaseInputs {
                flag: Some(flag.into()),
                home_meta: Some(home.into()),
                ..Default::default()
            }),
            ..Snapshot::default()
        }
    }

    #[test]
    fn warns_only_across_eras_and_says_which_way() {
        let mut out = vec![];
        findings(&snap("2026.9.6", "2026.9.1"), &mut out);
        findings(&snap("2026.6.6", "2026.7.35"), &mut out);
        assert!(out.is_empty(), "{out:?}");
        findings(&snap("2026.9.6", "2026.7.35"), &mut out);
        findings(&snap("2026.7.35", "2026.9.6"), &mut out);
        findings(&snap("2026.9.6", "2026.5.28"), &mut out);
        assert_eq!(out.len(), 3);
        assert!(
            out[0]
                .message
                .contains("until `openclaw doctor --fix` migrates it")
        );
        assert!(out[0].fix.contains("openclaw doctor --fix"));
        assert!(out[1].message.contains("Invalid config"));
        assert!(out[1].fix.contains("openclaw@2026.9.6"));
        assert!(
            out[2]
                .message
                .contains("requires legacy credential migration")
        );
        assert!(out.iter().all(|f| f.severity == Level::Warning));
    }
}
