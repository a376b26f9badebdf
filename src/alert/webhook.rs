//! Webhook: POST a JSON body
//! `{status, severity, agent, provider, profile, state, expires_at, message,
//! remediation, …}` to a URL, optionally with a bearer token from a file.

use super::channel::{Channel, SendError, http_agent, http_send, read_secret_file};
use super::message::{Ctx, fields};
use crate::config::alert::WebhookConfig;
use clawwatch_core::alert::{Notification, Severity};
use clawwatch_core::secret::Secret;

pub struct WebhookChannel {
    name: String,
    min_severity: Severity,
    url: String,
    token: Option<Secret>,
    agent: ureq::Agent,
}

/// The JSON body of a notice.
pub fn body(n: &Notification, ctx: &Ctx) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("version".into(), 1.into());
    for (k, v) in fields(n, ctx) {
        let v = match k {
            "id" => serde_json::Value::from(n.id),
            "expires_at" if v.is_empty() => serde_json::Value::Null,
            _ => serde_json::Value::String(v),
        };
        m.insert(k.into(), v);
    }
    serde_json::Value::Object(m)
}

impl WebhookChannel {
    pub fn new(cfg: &WebhookConfig) -> Result<WebhookChannel, String> {
        let token = if cfg.token_file.is_empty() {
            None
        } else {
            crate::config::url::require_https("url", &cfg.url, "a bearer token goes with it")?;
            Some(read_secret_file("token_file", &cfg.token_file)?)
        };
        Ok(WebhookChannel {
            name: cfg.name.clone(),
            min_severity: cfg.min_severity,
            url: cfg.url.trim().to_string(),
            token,
            agent: http_agent(cfg.timeout),
        })
    }
}

impl Channel for WebhookChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn min_severity(&self) -> Severity {
        self.min_severity
    }

    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
        let bytes =
            serde_json::to_vec(&body(n, ctx)).map_err(|e| SendError::permanent(e.to_string()))?;
        let mut req = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header(
                "idempotency-key",
                &format!("clawwatch-{}-{}", n.id, n.planned_at_ms),
            );
        if let Some(t) = &self.token {
            req = req.header("authorization", &format!("Bearer {}", t.expose()));
        }
        let secrets: Vec<&str> = self.token.iter().map(|t| t.expose()).collect();
        http_send(req.send(&bytes[..]), &secrets)
    }
}
