//! What every channel implements, and the shared HTTP helpers (ureq,
//! blocking, rustls).

use super::message::Ctx;
use clawwatch_core::alert::{Notification, Severity};
use std::time::Duration;

/// Why a delivery failed. Transient failures are retried on later cycles
/// with backoff; permanent ones (a 4xx, an SMTP 5xx) drop the notice for
/// that channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub transient: bool,
    pub message: String,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            transient: true,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            transient: false,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.transient {
            "will retry"
        } else {
            "dropped"
        };
        write!(f, "{} ({kind})", self.message)
    }
}

/// One configured destination. Blocking; must not panic.
pub trait Channel: Send + Sync {
    /// The configured name (metrics label, state key).
    fn name(&self) -> &str;
    /// email | webhook | ntfy | alertmanager | command | …
    fn kind(&self) -> &'static str;
    fn min_severity(&self) -> Severity;
    /// Deliver one notice; Ok only when the other side accepted it.
    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError>;
    /// Channels that hold alert state themselves (Alertmanager) get every
    /// firing alert each cycle.
    fn wants_refresh(&self) -> bool {
        false
    }
    fn refresh(&self, _firing: &[Notification], _ctx: &Ctx) -> Result<(), SendError> {
        Ok(())
    }
    /// Why the channel cannot deliver at all (a config it could not be
    /// built from); None for a working channel.
    fn broken(&self) -> Option<&str> {
        None
    }
}

/// A blocking HTTP client: one timeout for the whole exchange, no
/// redirects, statuses as values.
pub fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("clawwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Replace each secret in `text` with `<redacted>`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(s, "<redacted>");
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// Send one request and judge the answer: 2xx accepted; 408, 425, 429 and
/// 5xx transient; other statuses permanent; transport errors transient.
/// `secrets` are scrubbed from every message.
pub fn http_send(
    req: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    secrets: &[&str],
) -> Result<(), SendError> {
    match req {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(());
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(16 * 1024)
                .read_to_string()
                .unwrap_or_default();
            let msg = scrub(&format!("HTTP {status}: {}", shorten(&body, 200)), secrets);
            if matches!(status, 408 | 425 | 429) || status >= 500 {
                Err(SendError::transient(msg))
            } else {
                Err(SendError::permanent(msg))
            }
        }
        Err(e) => Err(SendError::transient(scrub(&e.to_string(), secrets))),
    }
}

/// Read a one-line secret file (trailing newline removed).
pub fn read_secret_file(what: &str, path: &str) -> Result<clawwatch_core::secret::Secret, String> {
    // A secret is one line: 64 KiB is far more than any token.
    let text = crate::fsutil::read_bounded_string(std::path::Path::new(path), 64 * 1024)
        .map_err(|e| {
            // Not the setting's value: a secret pasted where its file's
            // path belongs must not be echoed (issue 17, finding 4).
            format!(
                "{what}: cannot read the file it names ({e}); set it to the path of a file holding the value (the setting is not shown, in case it holds the secret itself)"
            )
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{what} {path} is readable by other users (mode {:o}); chmod 600 it",
                m.permissions().mode() & 0o777
            );
        }
    }
    let v = text.trim_end_matches(['\n', '\r']).trim();
    if v.is_empty() {
        return Err(format!("{what} {path} is empty"));
    }
    Ok(clawwatch_core::secret::Secret::new(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_secrets() {
        assert_eq!(
            scrub(
                "POST https://ntfy.example/topsecret-topic failed",
                &["topsecret-topic"]
            ),
            "POST https://ntfy.example/<redacted> failed"
        );
    }
}
