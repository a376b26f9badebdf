//! ntfy: POST the short text to `<url>/<topic>` with Title, Priority (by
//! severity), Tags and Click (the provider's page to renew the credential).
//! The topic is a secret (anyone who knows it can read it): it comes from
//! `topic_file` and never appears in logs or errors.

use super::channel::{Channel, SendError, http_agent, http_send, read_secret_file};
use super::message::{Ctx, reauth_url, render};
use crate::config::alert::NtfyConfig;
use clawwatch_core::alert::{NoticeKind, Notification, Severity};
use clawwatch_core::secret::Secret;

pub struct NtfyChannel {
    name: String,
    min_severity: Severity,
    url: String,
    topic: Secret,
    token: Option<Secret>,
    agent: ureq::Agent,
}

/// HTTP header values must be visible ASCII: replace anything else.
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '…' => '.',
            c if c == ' ' || c.is_ascii_graphic() => c,
            _ => '?',
        })
        .collect()
}

/// (priority, tags) of a notice.
pub fn priority_and_tags(n: &Notification) -> (&'static str, &'static str) {
    match (n.kind, n.severity) {
        (NoticeKind::Test, _) => ("default", "test_tube,clawwatch"),
        (NoticeKind::Resolved, _) => ("default", "white_check_mark,clawwatch"),
        (_, Severity::Critical) => ("urgent", "rotating_light,clawwatch"),
        (_, Severity::Warning) => ("high", "warning,clawwatch"),
    }
}

impl NtfyChannel {
    pub fn new(cfg: &NtfyConfig) -> Result<NtfyChannel, String> {
        crate::config::url::require_https(
            "url",
            &cfg.url,
            "the topic (and any token) goes with it",
        )?;
        let topic = read_secret_file("topic_file", &cfg.topic_file)?;
        if topic.expose().contains(['/', '?', '#', ' ']) {
            return Err(format!(
                "topic_file {}: a topic is one word (letters, digits, - and _)",
                cfg.topic_file
            ));
        }
        let token = if cfg.token_file.is_empty() {
            None
        } else {
            Some(read_secret_file("token_file", &cfg.token_file)?)
        };
        Ok(NtfyChannel {
            name: cfg.name.clone(),
            min_severity: cfg.min_severity,
            url: cfg.url.trim().trim_end_matches('/').to_string(),
            topic,
            token,
            agent: http_agent(cfg.timeout),
        })
    }
}

impl Channel for NtfyChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "ntfy"
    }

    fn min_severity(&self) -> Severity {
        self.min_severity
    }

    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
        let r = render(n, ctx);
        let (priority, tags) = priority_and_tags(n);
        let url = format!("{}/{}", self.url, self.topic.expose());
        let mut req = self
            .agent
            .post(&url)
            .header("content-type", "text/plain; charset=utf-8")
            .header("title", &header_safe(&r.subject))
            .header("priority", priority)
            .header("tags", tags);
        if n.kind != NoticeKind::Resolved
            && let Some(click) = reauth_url(&n.key.provider, n.cred_type)
        {
            req = req.header("click", click);
        }
        if let Some(t) = &self.token {
            req = req.header("authorization", &format!("Bearer {}", t.expose()));
        }
        let mut secrets = vec![self.topic.expose()];
        secrets.extend(self.token.iter().map(|t| t.expose()));
        http_send(req.send(r.short.as_bytes()), &secrets)
    }
}
