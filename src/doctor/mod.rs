//! `clawwatch doctor`: read-only findings about OpenClaw's model auth and
//! clawwatch's own deployment.
//!
//! Functional core, imperative shell, as everywhere else: [`gather`] reads
//! what the checks need (file modes, the gateway's systemd unit, shell
//! profiles, clawwatch's config, the metrics port, and with `--probe` the
//! live provider answers) into plain
//! [`clawwatch_core::doctor::DoctorInputs`]; the pure
//! [`clawwatch_core::doctor::findings`] turns a snapshot, its report and
//! those inputs into findings; `crate::output::doctor` renders them.
//! Nothing here creates, modifies or touches a file.

pub mod config;
pub mod cycle;
pub mod gather;
pub mod probe;

use crate::cli::CommonArgs;
use crate::output::doctor::{render_json, render_text};
use crate::sources::{self, HostEnv, ReadOptions};
use clawwatch_core::doctor::{findings, verdict};
use std::path::PathBuf;

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
