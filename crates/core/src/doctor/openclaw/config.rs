//! OpenClaw's state directory and openclaw.json.

use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::doctor::inputs::DoctorInputs;
use crate::model::{ConfigIssue, ConfigRead, Snapshot};
use crate::openclaw::agents::DEFAULT_MODEL;
use crate::openclaw::paths::display_path;

pub fn findings(snap: &Snapshot, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let home = &snap.paths.home;
    let cp = display_path(&snap.paths.config_path, home);
    if !inputs.state_dir_exists {
        out.push(state_dir_missing(display_path(&snap.paths.state_dir, home)));
    }
    match &snap.config {
        ConfigRead::Absent if inputs.state_dir_exists => out.push(config_missing(cp)),
        ConfigRead::Absent | ConfigRead::Loaded(_) => {}
        ConfigRead::Invalid { message, issues } if issues.is_empty() => {
            out.push(config_unparseable(message, cp))
        }
        ConfigRead::Invalid { issues, .. } => config_invalid(snap, issues, &cp, out),
    }
}

fn state_dir_missing(sd: String) -> Finding {
    Finding::new(
        FindingId::StateDirMissing,
        Level::Warning,
        format!(
            "OpenClaw's state directory {sd} does not exist: no config, credential store or .env is there (OpenClaw is not set up for this user, or its state lives elsewhere)"
        ),
        "run `openclaw onboard`, or point clawwatch at the right directory with --state-dir DIR or OPENCLAW_STATE_DIR",
    )
    .path(sd)
}

fn config_missing(cp: String) -> Finding {
    Finding::new(
        FindingId::ConfigMissing,
        Level::Info,
        format!(
            "no {cp}: OpenClaw uses its built-in default model {DEFAULT_MODEL} (through the codex runtime, which a bare install lacks)"
        ),
        "run `openclaw configure`, or `openclaw models set <provider/model>`",
    )
    .path(cp)
}

fn config_unparseable(message: &str, cp: String) -> Finding {
    Finding::new(
        FindingId::ConfigUnparseable,
        Level::Error,
        format!("OpenClaw cannot read its config, so every openclaw command fails: {message}"),
        format!(
            "fix {cp} (the message names the position), or move it away and run `openclaw configure`"
        ),
    )
    .path(cp)
}

/// One finding per variable written straight under `env`, one for every
/// other schema issue together.
fn config_invalid(snap: &Snapshot, issues: &[ConfigIssue], cp: &str, out: &mut Vec<Finding>) {
    let mut other = Vec::new();
    for issue in issues {
        match issue {
            ConfigIssue::EnvKeyOutsideVars(key) => out.push(env_key_outside_vars(snap, key, cp)),
            _ => other.push(issue.to_string()),
        }
    }
    if !other.is_empty() {
        out.push(
            Finding::new(
                FindingId::ConfigInvalid,
                Level::Error,
                format!(
                    "openclaw.json fails OpenClaw's schema, so every openclaw command fails: {}",
                    other.join("; ")
                ),
                format!("fix {cp} at the keys named (`openclaw doctor` shows them too)"),
            )
            .path(cp),
        );
    }
}

fn env_key_outside_vars(snap: &Snapshot, key: &str, cp: &str) -> Finding {
    Finding::new(
        FindingId::ConfigEnvKeyOutsideVars,
        Level::Error,
        format!(
            "openclaw.json sets env.{key}; OpenClaw accepts variables only under env.vars, so it rejects the whole config and every openclaw command fails"
        ),
        format!(
            "move it under env.vars (\"env\": {{\"vars\": {{\"{key}\": \"…\"}}}}), or into {}",
            display_path(&snap.paths.dotenv, &snap.paths.home)
        ),
    )
    .path(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::openclaw::testkit::*;

    /// (state dir exists, config) → ids.
    #[test]
    fn state_dir_and_config_table() {
        let invalid = |issues: Vec<ConfigIssue>| ConfigRead::Invalid {
            message: "bad".into(),
            issues,
        };
        let cases: Vec<(bool, ConfigRead, Vec<FindingId>)> = vec![
            (false, ConfigRead::Absent, vec![FindingId::StateDirMissing]),
            (true, ConfigRead::Absent, vec![FindingId::ConfigMissing]),
            (true, ConfigRead::Loaded(Default::default()), vec![]),
            (true, invalid(vec![]), vec![FindingId::ConfigUnparseable]),
            (
                true,
                invalid(vec![
                    ConfigIssue::EnvKeyOutsideVars("A".into()),
                    ConfigIssue::Other("x: y".into()),
                    ConfigIssue::EnvKeyOutsideVars("B".into()),
                ]),
                vec![
                    FindingId::ConfigEnvKeyOutsideVars,
                    FindingId::ConfigEnvKeyOutsideVars,
                    FindingId::ConfigInvalid,
                ],
            ),
        ];
        for (exists, config, want) in cases {
            let mut s = snap();
            s.config = config;
            let inputs = DoctorInputs {
                state_dir_exists: exists,
                ..Default::default()
            };
            let mut out = Vec::new();
            findings(&s, &inputs, &mut out);
            assert_eq!(ids(&out), want, "{:?}", s.config);
        }
    }

    #[test]
    fn messages_name_the_file_and_the_key() {
        let mut s = snap();
        s.config = ConfigRead::Invalid {
            message: "bad".into(),
            issues: vec![ConfigIssue::EnvKeyOutsideVars("ANTHROPIC_API_KEY".into())],
        };
        let mut out = Vec::new();
        findings(
            &s,
            &DoctorInputs {
                state_dir_exists: true,
                ..Default::default()
            },
            &mut out,
        );
        assert_eq!(out[0].path.as_deref(), Some("~/.openclaw/openclaw.json"));
        assert!(
            out[0].message.contains("env.ANTHROPIC_API_KEY"),
            "{}",
            out[0].message
        );
        assert_eq!(
            out[0].fix,
            "move it under env.vars (\"env\": {\"vars\": {\"ANTHROPIC_API_KEY\": \"…\"}}), or into ~/.openclaw/.env"
        );
    }
}
