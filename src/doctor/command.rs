//! `clawwatch doctor`: read the machine, evaluate, gather, judge, render.
//! A plain request in, the text to print and the exit code out (the CLI
//! builds the request from its flags).

use super::gather::{self, Options};
use crate::config::doctor::DoctorConfig;
use crate::exit::{self, ExitCodes};
use crate::output::doctor::{render_json, render_text};
use crate::sources::{self, HostEnv, ReadOptions};
use clawwatch_core::doctor::{findings, verdict};
use clawwatch_core::model::Policy;
use std::path::PathBuf;

/// What `clawwatch doctor` was asked.
#[derive(Debug, Clone)]
pub struct DoctorRequest {
    /// `--state-dir` (wins over the config's `state_dir`).
    pub state_dir: Option<PathBuf>,
    pub policy: Policy,
    /// `--now` (epoch ms); None: the clock.
    pub now_ms: Option<i64>,
    pub exit_codes: ExitCodes,
    /// `--json`.
    pub json: bool,
    /// `--probe`: ask the providers (uses the network).
    pub probe: bool,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--openclaw-version`: the release whose rules apply.
    pub openclaw_version: Option<String>,
}

/// Run doctor: returns the text to print and the exit code.
pub fn run(req: &DoctorRequest, host: &HostEnv) -> anyhow::Result<(String, i32)> {
    let now_ms = req
        .now_ms
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let loaded = crate::config::load(req.config.as_deref(), &host.vars);
    // clawwatch's config may name the OpenClaw state dir; --state-dir wins.
    let state_dir = req.state_dir.clone().or_else(|| match &loaded {
        Ok((c, _)) => c.state_dir.clone(),
        _ => None,
    });
    let snap = sources::read_snapshot(
        host,
        &ReadOptions {
            state_dir,
            agents: req.policy.agents.clone(),
            release: clawwatch_core::openclaw::release::ReleaseInputs {
                flag: req.openclaw_version.clone(),
                config: loaded
                    .as_ref()
                    .ok()
                    .and_then(|(c, _)| c.openclaw_version.clone()),
                ..Default::default()
            },
        },
        &sources::Connections::default(),
    );
    let report = clawwatch_core::evaluate(&snap, now_ms, &req.policy);
    let doctor_cfg = match &loaded {
        Ok((c, _)) => c.doctor.clone(),
        Err(_) => DoctorConfig::default(),
    };
    let inputs = gather::gather(
        &snap,
        &report,
        host,
        Options {
            config_arg: req.config.as_deref(),
            loaded: &loaded,
            probe: req.probe,
            doctor: &doctor_cfg,
            in_agent: false,
        },
    );
    let found = findings(&snap, &report, &inputs);
    let code = exit::code(verdict(&found), req.exit_codes);
    let text = if req.json {
        render_json(&found, code)
    } else {
        render_text(&report, &found, code)
    };
    Ok((text, code))
}
