//! The gateway's systemd user service: which variables it gets without a
//! shell, whether OpenClaw imports the login shell's environment, and the
//! credential variables shell profiles export (names only).

use super::files::read_small;
use crate::sources::{HostEnv, dotenv, state_dir};
use clawwatch_core::doctor::{DoctorInputs, ShellExport, SystemdUnit};
use clawwatch_core::model::{ConfigRead, Snapshot};
use clawwatch_core::openclaw::env as env_keys;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Shell profiles a login shell reads, under the OS home.
const SHELL_PROFILES: [&str; 9] = [
    ".profile",
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".config/fish/config.fish",
];

/// Fill in the gateway's unit, the variables it gets, the shell import and
/// the shell profiles' exports (nothing when no unit is installed).
pub fn gather(snap: &Snapshot, host: &HostEnv, inputs: &mut DoctorInputs) {
    let os_home = state_dir::os_home(host);
    let Some((path, name, text)) = find_unit(host, &os_home) else {
        return;
    };
    let (names, unit_import) = service_env(snap, &text, &os_home);
    inputs.shell_exports = profile_exports(&os_home);
    inputs.gateway_unit = Some(SystemdUnit { path, name });
    inputs.gateway_env_names = names;
    inputs.shell_env_import = unit_import || shell_env_enabled(&snap.paths.config_path);
}

/// The gateway's unit file: (path, unit name, text).
fn find_unit(host: &HostEnv, os_home: &Path) -> Option<(PathBuf, String, String)> {
    let base = match host.non_blank("OPENCLAW_SYSTEMD_UNIT") {
        Some(u) => u.trim_end_matches(".service").to_string(),
        None => match host.non_blank("OPENCLAW_PROFILE") {
            Some(p) if !p.eq_ignore_ascii_case("default") => format!("openclaw-gateway-{p}"),
            _ => "openclaw-gateway".to_string(),
        },
    };
    let unit_dir = os_home.join(".config").join("systemd").join("user");
    [base.as_str(), "clawdbot-gateway"]
        .into_iter()
        .find_map(|n| {
            let p = unit_dir.join(format!("{n}.service"));
            read_small(&p).map(|t| (p, format!("{n}.service"), t))
        })
}

/// The variable names the service gets without a shell, and whether its
/// unit turns the shell import on.
fn service_env(snap: &Snapshot, unit: &str, os_home: &Path) -> (BTreeSet<String>, bool) {
    let mut names = BTreeSet::new();
    let mut import = false;
    for (k, v) in unit_environment(unit) {
        if k == "OPENCLAW_LOAD_SHELL_ENV" && truthy(&v) {
            import = true;
        }
        if !v.trim().is_empty() {
            names.insert(k);
        }
    }
    for f in unit_environment_files(unit, os_home) {
        env_file_names(&f, &mut names);
    }
    let paths = &snap.paths;
    env_file_names(&paths.dotenv, &mut names);
    env_file_names(&paths.home.join(".config/openclaw/gateway.env"), &mut names);
    env_file_names(&paths.state_dir.join("gateway.systemd.env"), &mut names);
    if let ConfigRead::Loaded(c) = &snap.config {
        names.extend(
            c.env_vars
                .iter()
                .filter(|(_, v)| !v.is_blank())
                .map(|(k, _)| k.clone()),
        );
    }
    (names, import)
}

/// `env.shellEnv.enabled` in openclaw.json turns the login-shell import on.
fn shell_env_enabled(config_path: &Path) -> bool {
    read_small(config_path)
        .and_then(|text| json5::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|v| v.pointer("/env/shellEnv/enabled") == Some(&serde_json::Value::Bool(true)))
}

fn profile_exports(os_home: &Path) -> Vec<ShellExport> {
    let mut out = Vec::new();
    for f in SHELL_PROFILES {
        let p = os_home.join(f);
        if let Some(text) = read_small(&p) {
            out.extend(shell_exports(&text).into_iter().map(|var| ShellExport {
                path: p.clone(),
                var,
            }));
        }
    }
    out
}

fn env_file_names(path: &Path, out: &mut BTreeSet<String>) {
    if let Some(text) = read_small(path) {
        for (k, v) in dotenv::parse(&text) {
            if !v.is_blank() {
                out.insert(k);
            }
        }
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// `Environment=` assignments of a systemd unit: (name, value).
pub fn unit_environment(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("Environment=") else {
            continue;
        };
        for w in unit_words(rest) {
            if let Some((k, v)) = w.split_once('=') {
                out.push((k.to_string(), v.to_string()));
            }
        }
    }
    out
}

/// Words separated by spaces; double quotes group.
fn unit_words(rest: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `EnvironmentFile=` paths of a unit (`-` prefix and `%h` handled).
pub fn unit_environment_files(text: &str, home: &Path) -> Vec<PathBuf> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("EnvironmentFile="))
        .map(|v| v.trim().trim_start_matches('-'))
        .filter(|v| !v.is_empty())
        .map(|v| PathBuf::from(v.replace("%h", &home.to_string_lossy())))
        .collect()
}

/// Credential variables a shell profile exports with a value (names only).
pub fn shell_exports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        out.extend(
            exported_names(&words)
                .into_iter()
                .filter(|n| env_keys::is_credential_var(n)),
        );
    }
    out
}

/// The names one shell line exports with a value (sh, bash, zsh, fish, csh).
fn exported_names(words: &[&str]) -> Vec<String> {
    let valued = |v: &str| {
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        !v.is_empty()
    };
    let Some(first) = words.first() else {
        return vec![];
    };
    match *first {
        "export" | "declare" | "typeset" => {
            let exported =
                *first == "export" || words.iter().any(|w| w.starts_with('-') && w.contains('x'));
            if !exported {
                return vec![];
            }
            words[1..]
                .iter()
                .filter_map(|w| w.split_once('='))
                .filter(|(_, v)| valued(v))
                .map(|(k, _)| k.to_string())
                .collect()
        }
        // fish: set -x NAME value / set -gx NAME value
        "set"
            if words.len() >= 4
                && words[1].starts_with('-')
                && words[1].contains('x')
                && valued(words[3]) =>
        {
            vec![words[2].to_string()]
        }
        "setenv" if words.len() >= 3 && valued(words[2]) => vec![words[1].to_string()],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_profile_exports() {
        let text = r#"
# export ANTHROPIC_API_KEY=commented
export ANTHROPIC_API_KEY=sk-ant-api03-FAKE
export PATH=$PATH:/x OPENAI_API_KEY="sk-FAKE"
export EMPTY_API_KEY=""
declare -x XAI_API_KEY=FAKE
set -gx GEMINI_API_KEY FAKE
setenv OPENROUTER_API_KEY FAKE
MISTRAL_API_KEY=notexported
"#;
        assert_eq!(
            shell_exports(text),
            vec![
                "ANTHROPIC_API_KEY",
                "OPENAI_API_KEY",
                "XAI_API_KEY",
                "GEMINI_API_KEY",
                "OPENROUTER_API_KEY"
            ]
        );
    }

    #[test]
    fn unit_environment_lines() {
        let t = "[Service]\nEnvironment=\"A=1\" B=2\nEnvironment=OPENCLAW_LOAD_SHELL_ENV=1\nEnvironmentFile=-%h/.openclaw/.env\n";
        let env = unit_environment(t);
        assert_eq!(env[0], ("A".into(), "1".into()));
        assert_eq!(env[1], ("B".into(), "2".into()));
        assert_eq!(env[2].0, "OPENCLAW_LOAD_SHELL_ENV");
        assert_eq!(
            unit_environment_files(t, Path::new("/h")),
            vec![PathBuf::from("/h/.openclaw/.env")]
        );
    }
}
