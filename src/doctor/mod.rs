//! `clawwatch doctor`: read-only findings about OpenClaw's model auth and
//! clawwatch's own deployment.
//!
//! Functional core, imperative shell, as everywhere else: [`gather`] reads
//! what the checks need (file modes, the gateway's systemd unit, shell
//! profiles, clawwatch's config, the metrics port, and with `--probe` the
//! live provider answers) into plain [`DoctorInputs`]; the pure
//! [`findings`] turns a snapshot, its report and those inputs into
//! [`Finding`]s. Nothing here creates, modifies or touches a file.

pub mod config;
pub mod cycle;
pub mod deploy;
pub mod gather;
pub mod openclaw;
pub mod probe;

use crate::app::cli::CommonArgs;
use crate::sources::{self, HostEnv, ReadOptions};
use clawwatch_core::model::{Report, Snapshot, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::PathBuf;

pub use clawwatch_core::doctor::{Finding, Level};

/// Version of the `doctor --json` document; fields are only ever added
/// within a version.
pub const SCHEMA_VERSION: u32 = 1;

// ------------------------------------------------------------ inputs

/// What the imperative shell gathered for the pure checks.
#[derive(Debug, Clone, Default)]
pub struct DoctorInputs {
    pub state_dir_exists: bool,
    /// Existing files that can hold credentials, with their permission bits.
    pub file_modes: Vec<(PathBuf, u32)>,
    /// The gateway's systemd user unit, when installed.
    pub gateway_unit: Option<SystemdUnit>,
    /// Variable names the gateway service gets without a shell: the state
    /// dir's `.env`, `gateway.env`, `gateway.systemd.env`, the unit's
    /// `Environment=`/`EnvironmentFile=`, config `env.vars`.
    pub gateway_env_names: BTreeSet<String>,
    /// OpenClaw imports the login shell's environment (`env.shellEnv.enabled`
    /// or `OPENCLAW_LOAD_SHELL_ENV=1`).
    pub shell_env_import: bool,
    /// Credential variables exported by shell profiles (names only).
    pub shell_exports: Vec<ShellExport>,
    pub clawwatch: ClawwatchInputs,
    /// `--probe` results; None when not probing.
    pub probes: Option<Vec<probe::ProbeResult>>,
}

#[derive(Debug, Clone)]
pub struct SystemdUnit {
    pub path: PathBuf,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShellExport {
    pub path: PathBuf,
    pub var: String,
}

/// clawwatch's own deployment as the shell found it.
#[derive(Debug, Clone, Default)]
pub struct ClawwatchInputs {
    /// The config file in effect (explicit `--config` or the default path).
    pub config_path: Option<PathBuf>,
    /// `config::load`'s answer: the error text when invalid.
    pub config_error: Option<String>,
    /// The config file as a raw TOML table (alert channels are checked on
    /// it, so a channel kind the typed config does not know yet is still
    /// checked).
    pub raw: Option<toml::Table>,
    pub state_dir: Option<DirCheck>,
    pub textfile_dir: Option<DirCheck>,
    /// Readability of every `*_file` an alert channel names.
    pub files: BTreeMap<String, Result<(), String>>,
    /// Whether each `[[alert.command]]` program was found.
    pub commands: BTreeMap<String, bool>,
    /// `CLAWWATCH_SMTP_PASSWORD` is set.
    pub env_smtp_password: bool,
    pub metrics_port: Option<PortCheck>,
    /// `--probe`: (channel name, host:port, EHLO answer or error).
    pub smtp_probes: Vec<(String, String, Result<String, String>)>,
}

/// A directory clawwatch must write to.
#[derive(Debug, Clone, PartialEq)]
pub struct DirCheck {
    pub dir: PathBuf,
    /// Why it is not writable (or cannot be created).
    pub result: Result<(), String>,
    /// The setting that names it (for the fix).
    pub setting: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PortState {
    Free,
    /// Another clawwatch already serves /metrics there.
    Ours,
    InUse(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortCheck {
    pub addr: String,
    pub state: PortState,
}

// ------------------------------------------------------------ core

/// Every finding, most severe first (stable within a severity).
pub fn findings(snap: &Snapshot, report: &Report, inputs: &DoctorInputs) -> Vec<Finding> {
    let mut out = openclaw::findings(snap, report, inputs);
    out.extend(deploy::findings(&inputs.clawwatch, &snap.paths.home));
    if let Some(results) = &inputs.probes {
        out.extend(probe::findings(results, report.now_ms));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

pub fn summary(findings: &[Finding]) -> Summary {
    let mut s = Summary::default();
    for f in findings {
        match f.severity {
            Level::Error => s.error += 1,
            Level::Warning => s.warning += 1,
            Level::Info => s.info += 1,
        }
    }
    s
}

/// The verdict doctor's exit code follows: any error → failing (1), only
/// warnings → expiring (2), else ok (0).
pub fn verdict(findings: &[Finding]) -> Verdict {
    match findings.iter().map(|f| f.severity).max() {
        Some(Level::Error) => Verdict::Failing,
        Some(Level::Warning) => Verdict::Expiring,
        _ => Verdict::Ok,
    }
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema_version: u32,
    findings: &'a [Finding],
    summary: Summary,
    exit_code: i32,
}

/// `doctor --json`.
pub fn render_json(findings: &[Finding], exit_code: i32) -> String {
    let doc = JsonDoc {
        schema_version: SCHEMA_VERSION,
        findings,
        summary: summary(findings),
        exit_code,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The human report: one block per finding, then a summary line.
pub fn render_text(report: &Report, findings: &[Finding], exit_code: i32) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "clawwatch doctor: OpenClaw state {}, config {}",
        report.state_dir, report.config_path
    );
    for f in findings {
        let level = match f.severity {
            Level::Error => "ERROR  ",
            Level::Warning => "WARNING",
            Level::Info => "INFO   ",
        };
        out.push('\n');
        let _ = write!(out, "{level} {}", f.id);
        if let Some(a) = &f.agent {
            let _ = write!(out, " (agent {a})");
        }
        out.push('\n');
        let _ = writeln!(out, "        {}", f.message);
        if let Some(p) = &f.path {
            let _ = writeln!(out, "        path: {p}");
        }
        if !f.fix.is_empty() {
            let _ = writeln!(out, "        fix:  {}", f.fix);
        }
    }
    let s = summary(findings);
    if findings.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "No findings: OpenClaw's model auth and clawwatch's setup look right."
        );
    }
    let _ = writeln!(
        out,
        "\n{}, {}, {} (exit {exit_code})",
        plural(s.error, "error"),
        plural(s.warning, "warning"),
        s.info.to_string() + " info"
    );
    out
}

// ------------------------------------------------------------ shell

/// `clawwatch doctor` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the findings as JSON (schema_version 1, see the README).
    #[arg(long)]
    pub json: bool,
    /// Also send one minimal authenticated request per selected credential
    /// to its provider (uses the network), rotating keys as the gateway does.
    #[arg(long)]
    pub probe: bool,
    /// clawwatch.toml to check (default: $XDG_CONFIG_HOME/clawwatch/clawwatch.toml,
    /// else /etc/clawwatch/clawwatch.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Run doctor: returns the text to print and the exit code.
pub fn run(args: &DoctorArgs, host: &HostEnv) -> anyhow::Result<(String, i32)> {
    let now_ms = args
        .common
        .now
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let loaded = crate::config::load(args.config.as_deref(), &host.vars);
    // clawwatch's config may name the OpenClaw state dir; --state-dir wins.
    let state_dir = args.common.state_dir.clone().or_else(|| match &loaded {
        Ok((c, _)) => c.state_dir.clone(),
        _ => None,
    });
    let policy = args.common.policy();
    let snap = sources::read_snapshot(
        host,
        &ReadOptions {
            state_dir,
            agents: policy.agents.clone(),
        },
        &sources::Connections::default(),
    );
    let report = clawwatch_core::evaluate(&snap, now_ms, &policy);
    let doctor_cfg = match &loaded {
        Ok((c, _)) => c.doctor.clone(),
        Err(_) => config::DoctorConfig::default(),
    };
    let inputs = gather::gather(
        &snap,
        &report,
        host,
        gather::Options {
            config_arg: args.config.as_deref(),
            loaded: &loaded,
            probe: args.probe,
            doctor: &doctor_cfg,
            in_agent: false,
        },
    );
    let found = findings(&snap, &report, &inputs);
    let code = crate::exit::code(verdict(&found), args.common.exit_codes);
    let text = if args.json {
        render_json(&found, code)
    } else {
        render_text(&report, &found, code)
    };
    Ok((text, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_verdict_follows_the_worst_severity() {
        let f = |s| Finding::new("x", s, "m", "f");
        assert_eq!(verdict(&[]), Verdict::Ok);
        assert_eq!(verdict(&[f(Level::Info)]), Verdict::Ok);
        assert_eq!(
            verdict(&[f(Level::Info), f(Level::Warning)]),
            Verdict::Expiring
        );
        assert_eq!(
            verdict(&[f(Level::Warning), f(Level::Error)]),
            Verdict::Failing
        );
    }

    #[test]
    fn json_schema_is_stable() {
        let f = vec![
            Finding::new("profile-expired", Level::Error, "m", "fix").agent("main"),
            Finding::new("config-missing", Level::Info, "m2", "").path("~/x"),
        ];
        let v: serde_json::Value = serde_json::from_str(&render_json(&f, 1)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["exit_code"], 1);
        assert_eq!(
            v["summary"],
            serde_json::json!({"error":1,"warning":0,"info":1})
        );
        assert_eq!(
            v["findings"][0],
            serde_json::json!({"id":"profile-expired","severity":"error","agent":"main","message":"m","fix":"fix"})
        );
        assert_eq!(
            v["findings"][1],
            serde_json::json!({"id":"config-missing","severity":"info","message":"m2","path":"~/x","fix":""})
        );
    }
}
