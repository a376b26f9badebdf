//! The plain data of alerting: keys, severities, notices.

use serde::{Deserialize, Serialize};

/// How urgent a notice is. Threshold crossings are warnings; expired,
/// missing and an agent that cannot be checked are critical.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One alert: a condition of one credential (or route, or source) of one
/// agent. Empty strings where a field does not apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub agent: String,
    pub provider: String,
    pub profile: String,
    /// `expiry` (thresholds, then expired), `missing`, `runtime_unavailable`,
    /// `blind` (an agent OpenClaw cannot report on), `unreadable:<source>`
    /// (a source clawwatch cannot read).
    pub condition: String,
}

impl AlertKey {
    /// A stable id usable as a notification id (termux `--id`), file-name
    /// and label safe: `clawwatch-main-anthropic-manual-expiry`.
    pub fn slug(&self) -> String {
        let mut out = String::from("clawwatch");
        for part in [&self.agent, &self.provider, &self.profile, &self.condition] {
            if part.is_empty() {
                continue;
            }
            out.push('-');
            let mut last_dash = true;
            for c in part.chars() {
                if c.is_ascii_alphanumeric() {
                    out.push(c.to_ascii_lowercase());
                    last_dash = false;
                } else if !last_dash {
                    out.push('-');
                    last_dash = true;
                }
            }
            while out.ends_with('-') {
                out.pop();
            }
        }
        out
    }

    /// What the notice is about, for people: the profile, else the
    /// provider, else the path of an unreadable source.
    pub fn subject_name(&self) -> &str {
        if !self.profile.is_empty() {
            &self.profile
        } else if !self.provider.is_empty() {
            &self.provider
        } else {
            "OpenClaw"
        }
    }
}

/// Why a notice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// The condition started (or started again after a resolved notice).
    Firing,
    /// A higher threshold (or expiry) was crossed while firing.
    Escalated,
    /// Still firing after `repeat_every`.
    Repeat,
    /// The condition ended.
    Resolved,
    /// `clawwatch alert test`.
    Test,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Firing => "firing",
            NoticeKind::Escalated => "escalated",
            NoticeKind::Repeat => "repeat",
            NoticeKind::Resolved => "resolved",
            NoticeKind::Test => "test",
        }
    }

    /// `firing` | `resolved` | `test`: the status word of webhooks and
    /// Alertmanager.
    pub fn status(self) -> &'static str {
        match self {
            NoticeKind::Resolved => "resolved",
            NoticeKind::Test => "test",
            _ => "firing",
        }
    }

    pub fn is_firing(self) -> bool {
        matches!(
            self,
            NoticeKind::Firing | NoticeKind::Escalated | NoticeKind::Repeat
        )
    }
}

/// One planned notice. Carries everything a channel renders, and nothing
/// secret: names, states, times, the problem line and the fix command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Increasing per state file; the idempotency id sent with each notice.
    pub id: u64,
    pub key: AlertKey,
    pub kind: NoticeKind,
    /// The alert's severity (for a resolved notice, the one it had).
    pub severity: Severity,
    /// On an escalation that changed the severity, the previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    /// expiring | expired | missing | blind | unreadable | ok | test
    pub state: String,
    /// api_key | token | oauth, or "".
    #[serde(default)]
    pub cred_type: String,
    /// state-db | agent-db | env | dotenv | …, or "".
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub expires_at_ms: Option<i64>,
    /// The crossed threshold (expiring only).
    #[serde(default)]
    pub threshold_ms: Option<i64>,
    /// When this incident started firing.
    pub since_ms: i64,
    /// When the planner made this notice.
    pub planned_at_ms: i64,
    /// What is wrong, one line (from the report).
    pub message: String,
    /// The exact fix.
    pub fix: String,
}
