//! `status --format simple`: the words OpenClaw's
//! `scripts/claude-auth-status.sh simple` prints, so Termux widgets written
//! for it keep working. CLAUDE_* is Claude Code's own credentials file (only
//! when it exists); OPENCLAW_* is the check verdict.

use clawwatch_core::model::{CredSource, CredState, Report, Verdict};

/// The word and the exit code the script used for it.
pub fn word(report: &Report) -> (&'static str, i32) {
    let claude = report
        .external
        .iter()
        .find(|c| c.source == CredSource::ClaudeCode)
        .map(|c| c.state);
    let claude_bad = matches!(claude, Some(CredState::Expired | CredState::Missing));
    if claude_bad {
        ("CLAUDE_EXPIRED", 1)
    } else if report.verdict == Verdict::Failing {
        ("OPENCLAW_EXPIRED", 1)
    } else if claude == Some(CredState::Expiring) {
        ("CLAUDE_EXPIRING", 2)
    } else if report.verdict == Verdict::Expiring {
        ("OPENCLAW_EXPIRING", 2)
    } else {
        ("OK", 0)
    }
}
