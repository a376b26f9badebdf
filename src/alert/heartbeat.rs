//! Heartbeat: GET `<url>/<exit code>` after each cycle (the healthchecks.io
//! convention: `/0` success, other codes a failure), so a silent monitor
//! is noticed by someone else.

use super::channel::{http_agent, http_send};
use std::time::Duration;

/// The URL pinged for an exit code.
pub fn url_for(base: &str, exit_code: i32) -> String {
    format!("{}/{exit_code}", base.trim().trim_end_matches('/'))
}

/// Ping; Ok when the server answered 2xx. The URL (which may hold a check's
/// secret id) is kept out of the error.
pub fn ping(base: &str, exit_code: i32, timeout: Duration) -> Result<(), String> {
    let url = url_for(base, exit_code);
    let base_trimmed = base.trim().trim_end_matches('/');
    http_send(http_agent(timeout).get(&url).call(), &[base_trimmed])
        .map_err(|e| format!("heartbeat: {}", e.message))
}
