//! One check: read every source, then judge the snapshot as of an instant.
//! The whole imperative shell of `check`, `status` and `doctor`.

use crate::sources::{self, Connections, HostEnv, ReadOptions};
use clawwatch_core::model::{Policy, Report, Snapshot};
use std::path::PathBuf;

/// What to check, and as of when.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// `--state-dir`: overrides OPENCLAW_STATE_DIR.
    pub state_dir: Option<PathBuf>,
    pub policy: Policy,
    pub now_ms: i64,
    /// `--openclaw-version`: the release whose rules apply.
    pub openclaw_version: Option<String>,
}

/// Read every source; read problems are logged at info level.
pub fn read(host: &HostEnv, req: &CheckRequest) -> Snapshot {
    let opts = ReadOptions {
        state_dir: req.state_dir.clone(),
        agents: req.policy.agents.clone(),
        release: clawwatch_core::openclaw::release::ReleaseInputs {
            flag: req.openclaw_version.clone(),
            ..Default::default()
        },
    };
    let snap = sources::read_snapshot(host, &opts, &Connections::default());
    tracing::debug!(
        state_dir = %snap.paths.state_dir.display(),
        agents = snap.agents.len(),
        env_vars = snap.env.vars.len(),
        problems = snap.problems.len(),
        "snapshot read"
    );
    for p in &snap.problems {
        tracing::info!(
            source = p.source.as_str(),
            reason = p.reason.as_str(),
            path = p.path.as_deref().unwrap_or(""),
            "{}",
            p.message
        );
    }
    snap
}

/// Read and evaluate.
pub fn report(host: &HostEnv, req: &CheckRequest) -> Report {
    judge(&read(host, req), req)
}

/// Evaluate a snapshot already read, as of the request's instant.
pub fn judge(snap: &Snapshot, req: &CheckRequest) -> Report {
    let report = clawwatch_core::evaluate(snap, req.now_ms, &req.policy);
    tracing::trace!(verdict = report.verdict.openclaw_code(), "evaluated");
    report
}
