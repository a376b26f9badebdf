//! What one alert cycle did, for logs.

use clawwatch_core::alert::Notification;

/// What one cycle did, for logs.
#[derive(Debug, Clone, Default)]
pub struct CycleOutcome {
    /// Notices the planner made this cycle.
    pub notices: Vec<Notification>,
    /// Deliveries a channel accepted (Alertmanager refreshes not counted).
    pub delivered: usize,
    /// Failed deliveries (transient or permanent).
    pub failed: usize,
    /// Channel deliveries still waiting in the outbox.
    pub pending: usize,
    /// Problems worth a log line (state file, channels, dropped notices).
    pub errors: Vec<String>,
    /// A state write failed this cycle: the state is held in memory.
    pub state_unsaved: bool,
}

impl CycleOutcome {
    /// One log line per problem, and a summary at info level.
    pub fn log(&self) {
        for e in &self.errors {
            tracing::warn!("{e}");
        }
        if !self.notices.is_empty() || self.delivered > 0 || self.failed > 0 || self.pending > 0 {
            tracing::info!(
                planned = self.notices.len(),
                delivered = self.delivered,
                failed = self.failed,
                pending = self.pending,
                "alert cycle"
            );
        }
        for n in &self.notices {
            tracing::debug!(
                id = n.id,
                kind = n.kind.as_str(),
                severity = n.severity.as_str(),
                alert = %n.key.slug(),
                "notice planned"
            );
        }
    }
}
