//! Files that hold credentials and are readable by others.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::doctor::inputs::{DoctorInputs, FileMode};
use crate::model::{ConfigIssue, ConfigRead, Snapshot};
use crate::openclaw::paths::display_path;

pub fn findings(snap: &Snapshot, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let cfg_holds_secrets = match &snap.config {
        ConfigRead::Loaded(c) => !c.env_vars.is_empty(),
        ConfigRead::Invalid { issues, .. } => issues
            .iter()
            .any(|i| matches!(i, ConfigIssue::EnvKeyOutsideVars(_))),
        ConfigRead::Absent => false,
    };
    for f in &inputs.file_modes {
        // openclaw.json holds a secret only in its env section.
        if f.path == snap.paths.config_path && !cfg_holds_secrets {
            continue;
        }
        out.extend(too_open(snap, f));
    }
}

fn too_open(snap: &Snapshot, f: &FileMode) -> Option<Finding> {
    let mode = f.mode & 0o777;
    if mode & 0o077 == 0 {
        return None;
    }
    let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
        (true, true) => "its group and others",
        (true, false) => "its group",
        _ => "others",
    };
    let verb = if mode & 0o044 != 0 {
        "readable"
    } else {
        "accessible"
    };
    let shown = display_path(&f.path, &snap.paths.home);
    Some(
        Finding::new(
            FindingId::CredentialFilePermissions,
            Level::Warning,
            format!("{shown} holds credentials and is {verb} by {who} (mode {mode:04o})"),
            format!("chmod 600 {shown}"),
        )
        .path(shown),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::OpenclawConfig;
    use crate::secret::Secret;

    fn messages(s: &Snapshot, files: &[(&str, u32)]) -> Vec<String> {
        let inputs = DoctorInputs {
            file_modes: files
                .iter()
                .map(|(p, mode)| FileMode {
                    path: p.into(),
                    mode: *mode,
                })
                .collect(),
            ..Default::default()
        };
        let mut out = Vec::new();
        findings(s, &inputs, &mut out);
        out.into_iter().map(|f| f.message).collect()
    }

    /// mode → what is said (None = nothing).
    #[test]
    fn modes_table() {
        let db = "/h/.openclaw/state/openclaw.sqlite";
        for (mode, want) in [
            (0o100600, None),
            (0o100400, None),
            (0o100640, Some("readable by its group (mode 0640)")),
            (0o100604, Some("readable by others (mode 0604)")),
            (
                0o100644,
                Some("readable by its group and others (mode 0644)"),
            ),
            (0o100620, Some("accessible by its group (mode 0620)")),
            (0o100601, Some("accessible by others (mode 0601)")),
        ] {
            let got = messages(&snap(), &[(db, mode)]);
            let want: Vec<String> = want
                .map(|w| format!("~/.openclaw/state/openclaw.sqlite holds credentials and is {w}"))
                .into_iter()
                .collect();
            assert_eq!(got, want, "{mode:o}");
        }
    }

    #[test]
    fn the_config_counts_only_when_it_holds_env_vars() {
        let cfg = "/h/.openclaw/openclaw.json";
        assert!(messages(&with_model("anthropic/x"), &[(cfg, 0o644)]).is_empty());
        let mut s = snap();
        s.config = ConfigRead::Loaded(Box::new(OpenclawConfig {
            env_vars: vec![("ANTHROPIC_API_KEY".into(), Secret::new("sk-FAKE"))],
            ..Default::default()
        }));
        assert_eq!(messages(&s, &[(cfg, 0o644)]).len(), 1);
        s.config = ConfigRead::Invalid {
            message: "bad".into(),
            issues: vec![ConfigIssue::EnvKeyOutsideVars("ANTHROPIC_API_KEY".into())],
        };
        assert_eq!(messages(&s, &[(cfg, 0o644)]).len(), 1);
    }
}
