//! Claude Code's own credentials: `~/.claude/.credentials.json`
//! (`$CLAUDE_CONFIG_DIR/.credentials.json`), `claudeAiOauth`.
//! Shown by `status`; OpenClaw does not count it for `--check`.

use super::store_json::json_type;
use clawwatch_core::model::{ClaudeCodeCreds, ClaudeCodeRead};
use clawwatch_core::secret::Secret;
use serde_json::Value;
use std::path::Path;

pub fn read(path: &Path) -> Option<ClaudeCodeRead> {
    std::fs::symlink_metadata(path).ok()?;
    let creds = super::files::read_json_file(path).and_then(|v| parse(&v));
    Some(ClaudeCodeRead {
        path: path.to_path_buf(),
        creds,
    })
}

pub fn parse(v: &Value) -> Result<ClaudeCodeCreds, String> {
    let o = v
        .get("claudeAiOauth")
        .and_then(Value::as_object)
        .ok_or("no \"claudeAiOauth\" object")?;
    let token = match o.get("accessToken") {
        Some(Value::String(s)) if !s.trim().is_empty() => Secret::new(s.clone()),
        Some(other) => {
            return Err(format!(
                "claudeAiOauth.accessToken must be a non-empty string, found {}",
                json_type(other)
            ));
        }
        None => return Err("claudeAiOauth.accessToken is missing".into()),
    };
    let expires_at_ms = match o.get("expiresAt").and_then(Value::as_f64) {
        Some(f) if f.is_finite() && f > 0.0 => f,
        _ => return Err("claudeAiOauth.expiresAt must be a positive number (epoch ms)".into()),
    };
    Ok(ClaudeCodeCreds {
        has_refresh: o
            .get("refreshToken")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty()),
        expires_at_ms,
        subscription: o
            .get("subscriptionType")
            .and_then(Value::as_str)
            .map(str::to_string),
        token,
    })
}
