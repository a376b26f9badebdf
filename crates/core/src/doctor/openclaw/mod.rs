//! Checks of OpenClaw's side, one file per topic: state dir and config,
//! legacy files, the stores, file modes, routes and profiles, auth order,
//! env variables, the gateway's systemd service and Claude Code's own
//! login.

pub mod agent;
pub mod auth_order;
pub mod claude_code;
pub mod config;
pub mod env;
pub mod legacy;
pub mod permissions;
pub mod profiles;
pub mod release;
pub mod routes;
pub mod shell_profile;
pub mod stores;

#[cfg(test)]
mod testkit;

use crate::doctor::finding::Finding;
use crate::doctor::inputs::DoctorInputs;
use crate::model::{Report, Snapshot};

/// OpenClaw's findings, in the order they are checked.
pub fn findings(snap: &Snapshot, report: &Report, inputs: &DoctorInputs) -> Vec<Finding> {
    let mut out = Vec::new();
    config::findings(snap, inputs, &mut out);
    release::findings(snap, &mut out);
    legacy::findings(snap, report, &mut out);
    stores::findings(snap, &mut out);
    stores::read_problems(snap, &mut out);
    permissions::findings(snap, inputs, &mut out);
    for a in &report.agents {
        agent::findings(snap, a, report.now_ms, &mut out);
    }
    auth_order::findings(snap, &mut out);
    env::setup_token_in_key_var(snap, &mut out);
    env::rotation(snap, report, &mut out);
    shell_profile::findings(snap, report, inputs, &mut out);
    claude_code::findings(snap, report, &mut out);
    out
}
