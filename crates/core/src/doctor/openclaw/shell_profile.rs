//! Credential variables set only in a shell profile, which the gateway's
//! systemd user service never reads.

use crate::doctor::describe::routes_desc;
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::doctor::inputs::{DoctorInputs, SystemdUnit};
use crate::model::{Report, RouteReport, Snapshot};
use crate::openclaw::paths::display_path;
use std::collections::BTreeMap;

pub fn findings(snap: &Snapshot, report: &Report, inputs: &DoctorInputs, out: &mut Vec<Finding>) {
    let Some(unit) = &inputs.gateway_unit else {
        return;
    };
    if inputs.shell_env_import {
        return;
    }
    // Each variable with the profiles that set it, in the order found.
    let mut by_var: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in &inputs.shell_exports {
        let files = by_var.entry(e.var.as_str()).or_default();
        let shown = display_path(&e.path, &snap.paths.home);
        if !files.contains(&shown) {
            files.push(shown);
        }
    }
    for (var, files) in by_var {
        if !inputs.gateway_env_names.contains(var) {
            out.push(only_in_profile(snap, report, unit, var, &files));
        }
    }
}

fn only_in_profile(
    snap: &Snapshot,
    report: &Report,
    unit: &SystemdUnit,
    var: &str,
    files: &[String],
) -> Finding {
    let relying: Vec<&RouteReport> = report
        .agents
        .iter()
        .flat_map(|a| a.routes.iter())
        .filter(|r| r.selected.as_deref() == Some(var))
        .collect();
    let (sev, tail) = if relying.is_empty() {
        (Level::Warning, String::new())
    } else {
        (
            Level::Error,
            format!("; {} rely on it", routes_desc(&relying)),
        )
    };
    Finding::new(
        FindingId::KeyOnlyInShellProfile,
        sev,
        format!(
            "{var} is set only in {} (a shell profile), but the gateway runs as the systemd user service {}, which never reads shell profiles: the gateway starts without {var}{tail}",
            files.join(", "),
            unit.name
        ),
        format!(
            "put {var}=… in {} (chmod 600), then `systemctl --user restart {}`",
            display_path(&snap.paths.dotenv, &snap.paths.home),
            unit.name
        ),
    )
    .path_opt(files.first().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::inputs::ShellExport;
    use crate::doctor::openclaw::testkit::*;
    use crate::model::EnvOrigin;
    use std::path::PathBuf;

    fn inputs(unit: bool, import: bool, in_service: &[&str]) -> DoctorInputs {
        DoctorInputs {
            gateway_unit: unit.then(|| SystemdUnit {
                path: PathBuf::from("/h/.config/systemd/user/openclaw-gateway.service"),
                name: "openclaw-gateway.service".into(),
            }),
            shell_env_import: import,
            gateway_env_names: in_service.iter().map(|s| s.to_string()).collect(),
            shell_exports: vec![
                ShellExport {
                    path: PathBuf::from("/h/.bashrc"),
                    var: "ANTHROPIC_API_KEY".into(),
                },
                ShellExport {
                    path: PathBuf::from("/h/.profile"),
                    var: "ANTHROPIC_API_KEY".into(),
                },
                ShellExport {
                    path: PathBuf::from("/h/.bashrc"),
                    var: "ANTHROPIC_API_KEY".into(),
                },
            ],
            ..Default::default()
        }
    }

    /// (unit installed, shell import, names the service gets, routed) → severity.
    #[test]
    fn shell_profile_table() {
        let cases = [
            (false, false, &[][..], true, None),
            (true, true, &[][..], true, None),
            (true, false, &["ANTHROPIC_API_KEY"][..], true, None),
            (true, false, &[][..], false, Some(Level::Warning)),
            (true, false, &[][..], true, Some(Level::Error)),
        ];
        for (unit, import, names, routed, want) in cases {
            let mut s = with_model("anthropic/claude-sonnet-4-6");
            if routed {
                s = env(
                    s,
                    "ANTHROPIC_API_KEY",
                    "sk-ant-api03-FAKE",
                    EnvOrigin::Process,
                );
            }
            let mut out = Vec::new();
            findings(&s, &report(&s), &inputs(unit, import, names), &mut out);
            assert_eq!(
                out.iter().map(|f| f.severity).collect::<Vec<_>>(),
                want.into_iter().collect::<Vec<_>>()
            );
            if let Some(f) = out.first() {
                assert_eq!(f.path.as_deref(), Some("~/.bashrc"));
                assert!(
                    f.message.starts_with(
                        "ANTHROPIC_API_KEY is set only in ~/.bashrc, ~/.profile (a shell profile)"
                    ),
                    "{}",
                    f.message
                );
            }
        }
    }
}
