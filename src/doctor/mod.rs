//! `clawwatch doctor`: read-only findings about OpenClaw's model auth and
//! clawwatch's own deployment.
//!
//! Functional core, imperative shell, as everywhere else: [`gather`] reads
//! what the checks need (file modes, the gateway's systemd unit, shell
//! profiles, clawwatch's config, the metrics port, and with `--probe` the
//! live provider answers) into plain
//! [`clawwatch_core::doctor::DoctorInputs`]; the pure
//! [`clawwatch_core::doctor::findings`] turns a snapshot, its report and
//! those inputs into [`Finding`]s. Nothing here creates, modifies or
//! touches a file.

pub mod config;
pub mod cycle;
pub mod gather;
pub mod probe;

use crate::cli::CommonArgs;
use crate::sources::{self, HostEnv, ReadOptions};
use clawwatch_core::doctor::{Finding, Level, Summary, findings, summary, verdict};
use clawwatch_core::model::Report;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

/// Version of the `doctor --json` document; fields are only ever added
/// within a version.
pub const SCHEMA_VERSION: u32 = 1;

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
        Ok((c, _)) if !c.state_dir.trim().is_empty() => Some(PathBuf::from(c.state_dir.trim())),
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
    use clawwatch_core::doctor::FindingId;

    #[test]
    fn json_schema_is_stable() {
        let f = vec![
            Finding::new(FindingId::ProfileExpired, Level::Error, "m", "fix").agent("main"),
            Finding::new(FindingId::ConfigMissing, Level::Info, "m2", "").path("~/x"),
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
