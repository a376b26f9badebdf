//! Agents, models and files as OpenClaw 2026.9.6 names them.

use crate::model::{AgentFailure, FailureKind, OpenclawConfig};

/// An agent directory's own database.
pub const AGENT_DB: &str = "openclaw-agent.sqlite";

/// OpenClaw's built-in default model (no config at all).
pub const DEFAULT_MODEL: &str = "openai/gpt-6-astra";

/// The utility model a provider gets when none is configured.
pub fn utility_default(provider: &str) -> Option<&'static str> {
    match provider {
        "anthropic" => Some("claude-haiku-4-5"),
        "openai" => Some("gpt-5.6-luna"),
        _ => None,
    }
}

/// The agent `openclaw models status` inspects when no `--agent` is given
/// (the newest rules).
pub fn default_agent(cfg: Option<&OpenclawConfig>) -> Result<String, AgentFailure> {
    default_agent_as(cfg, &crate::openclaw::release::NEWEST_KNOWN.rules())
}

/// [`default_agent`] as a release with `rules` picks it: releases before
/// the state-DB era take the first configured agent when none is marked.
pub fn default_agent_as(
    cfg: Option<&OpenclawConfig>,
    rules: &crate::openclaw::release::EraRules,
) -> Result<String, AgentFailure> {
    let Some(cfg) = cfg else {
        return Ok("main".into());
    };
    if cfg.agents.is_empty() {
        return Ok("main".into());
    }
    if let Some(a) = cfg.agents.iter().find(|a| a.default) {
        return Ok(a.id.clone());
    }
    if let Some(sys) = &cfg.system_agent {
        return Ok(sys.clone());
    }
    if let [only] = cfg.agents.as_slice() {
        return Ok(only.id.clone());
    }
    if !rules.roster_needs_owner {
        return Ok(cfg.agents[0].id.clone());
    }
    Err(AgentFailure::new(
        FailureKind::NoModelOwner,
        "Multiple agents are configured, but model inspection has no explicit owner. Pass --agent <id> or set agents.defaults.systemAgent.agentId.",
    ))
}
