//! What a check looks at: which agents, and the expiring window.

#[derive(Debug, Clone, PartialEq, Default)]
pub enum AgentScope {
    /// As `openclaw models status`: the default agent only.
    #[default]
    Default,
    All,
    Only(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub agents: AgentScope,
    /// Expiring threshold in milliseconds (OpenClaw: 24 h, inclusive).
    pub warn_within_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            agents: AgentScope::Default,
            warn_within_ms: 86_400_000,
        }
    }
}
