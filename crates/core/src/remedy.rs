//! Every fix clawwatch prints: the command that repairs a credential, a
//! store or an agent OpenClaw refuses. One place, so `check`, `status`,
//! doctor and the alerts always give the same advice.

use crate::model::{CredType, FailureKind, StoreFailure};
use crate::openclaw::providers::key_var;

/// The command that fixes a credential of `cred_type` for `provider`
/// (`env_var`: the variable that holds an env key, when it is one).
pub fn fix_for(provider: &str, cred_type: Option<CredType>, env_var: Option<&str>) -> String {
    match (cred_type, provider) {
        (Some(CredType::Token), "anthropic") => {
            "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`"
                .to_string()
        }
        (Some(CredType::Token), p) => {
            format!("paste a new token: `openclaw models auth paste-token --provider {p}`")
        }
        (Some(CredType::OAuth), p) => format!("run `openclaw models auth login --provider {p}`"),
        (Some(CredType::ApiKey), p) => format!(
            "put a new key from the {p} console into ~/.openclaw/.env ({}) and restart the gateway",
            env_var
                .or_else(|| key_var(p))
                .unwrap_or("the provider's API-key variable")
        ),
        (None, p) => format!(
            "run `openclaw models auth login --provider {p}`, `openclaw configure`, or set {}",
            key_var(p).unwrap_or("an API key env var")
        ),
    }
}

pub const DOCTOR: &str = "run `openclaw doctor`";
pub const DOCTOR_FIX: &str = "run `openclaw doctor --fix`";

/// What fixes a shared store OpenClaw cannot use (shown with the failure).
pub fn store_fix(cause: StoreFailure) -> &'static str {
    match cause {
        StoreFailure::StateDbUnopenable => {
            "restore ~/.openclaw/state/openclaw.sqlite from a backup or run `openclaw doctor`"
        }
        StoreFailure::StateDbUnreadable | StoreFailure::InvalidSharedLocation => DOCTOR_FIX,
        StoreFailure::StoreRowUnreadable => {
            "run `openclaw doctor`, or re-run `openclaw models auth login`"
        }
    }
}

/// What fixes an agent OpenClaw refuses to report on.
pub fn failure_fix(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::InvalidConfig => "fix openclaw.json (`openclaw doctor` shows where)",
        FailureKind::NoModelOwner => {
            "pass --agent <id> or --all-agents, or set agents.defaults.systemAgent.agentId"
        }
        FailureKind::LegacyMigration
        | FailureKind::Store(StoreFailure::StateDbUnreadable)
        | FailureKind::Store(StoreFailure::InvalidSharedLocation) => DOCTOR_FIX,
        FailureKind::UnknownAgent
        | FailureKind::AgentDbUnreadable
        | FailureKind::Store(StoreFailure::StateDbUnopenable)
        | FailureKind::Store(StoreFailure::StoreRowUnreadable) => DOCTOR,
    }
}

/// A text route on openai needs OpenClaw's codex runtime.
pub const RUNTIME_UNAVAILABLE: &str = "install/enable OpenClaw's codex plugin, or choose a non-openai default model (`openclaw models set <provider/model>`)";

/// Every usable profile of a provider is cooling down or disabled.
pub const COOLDOWN: &str = "wait for the cooldown to end, or add another profile for this provider";

/// A source clawwatch cannot read.
pub const UNREADABLE_SOURCE: &str =
    "fix or remove the file (`clawwatch status` and `clawwatch doctor` show details)";
