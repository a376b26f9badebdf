//! One table array per channel kind.

use super::duration;
use clawwatch_core::alert::Severity;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The kinds of channel, as their tables are named (`[[alert.<kind>]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Webhook,
    Ntfy,
    Alertmanager,
    Command,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Ntfy => "ntfy",
            ChannelKind::Alertmanager => "alertmanager",
            ChannelKind::Command => "command",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required, never optional).
    #[default]
    Starttls,
    /// Implicit TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a loopback host.
    None,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    pub name: String,
    pub smtp_host: String,
    /// 0 = the usual port for `tls` (587 starttls, 465 tls, 25 none).
    pub smtp_port: u16,
    pub tls: SmtpTls,
    /// "" = no SMTP authentication.
    pub username: String,
    /// File holding the SMTP password; "" = env CLAWWATCH_SMTP_PASSWORD.
    pub password_file: String,
    pub from: String,
    pub to: Vec<String>,
    pub min_severity: Severity,
    /// PEM file of a CA to trust (a private mail server); "" = public roots.
    pub ca_file: String,
    #[serde(deserialize_with = "duration::any")]
    pub timeout: Duration,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            name: "email".into(),
            smtp_host: String::new(),
            smtp_port: 0,
            tls: SmtpTls::Starttls,
            username: String::new(),
            password_file: String::new(),
            from: String::new(),
            to: vec![],
            min_severity: Severity::Warning,
            ca_file: String::new(),
            timeout: Duration::from_secs(30),
        }
    }
}

impl EmailConfig {
    pub fn port(&self) -> u16 {
        match (self.smtp_port, self.tls) {
            (0, SmtpTls::Starttls) => 587,
            (0, SmtpTls::Tls) => 465,
            (0, SmtpTls::None) => 25,
            (p, _) => p,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    pub name: String,
    /// POST target for the JSON body.
    pub url: String,
    /// File holding a bearer token sent as `Authorization: Bearer …`; "" = none.
    pub token_file: String,
    pub min_severity: Severity,
    #[serde(deserialize_with = "duration::any")]
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            name: "webhook".into(),
            url: String::new(),
            token_file: String::new(),
            min_severity: Severity::Warning,
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NtfyConfig {
    pub name: String,
    /// The ntfy server.
    pub url: String,
    /// File holding the topic (anyone who knows a topic can read it).
    pub topic_file: String,
    /// File holding an access token; "" = none.
    pub token_file: String,
    pub min_severity: Severity,
    #[serde(deserialize_with = "duration::any")]
    pub timeout: Duration,
}

impl Default for NtfyConfig {
    fn default() -> Self {
        NtfyConfig {
            name: "ntfy".into(),
            url: "https://ntfy.sh".into(),
            topic_file: String::new(),
            token_file: String::new(),
            min_severity: Severity::Warning,
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertmanagerConfig {
    pub name: String,
    /// Alertmanager base URL (alerts go to `<url>/api/v2/alerts`).
    pub url: String,
    pub min_severity: Severity,
    /// Firing alerts are re-posted every cycle with `endsAt` this far ahead,
    /// so they resolve by themselves if clawwatch stops.
    #[serde(deserialize_with = "duration::any")]
    pub ends_after: Duration,
    #[serde(deserialize_with = "duration::any")]
    pub timeout: Duration,
}

impl Default for AlertmanagerConfig {
    fn default() -> Self {
        AlertmanagerConfig {
            name: "alertmanager".into(),
            url: String::new(),
            min_severity: Severity::Warning,
            ends_after: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CommandConfig {
    pub name: String,
    /// Program and arguments, run without a shell. Placeholders: {title},
    /// {message}, {severity}, {status}, {agent}, {provider}, {profile},
    /// {state}, {expires_at}, {remediation}, {key}, {id}, {host}.
    pub argv: Vec<String>,
    pub min_severity: Severity,
    #[serde(deserialize_with = "duration::any")]
    pub timeout: Duration,
}

impl Default for CommandConfig {
    fn default() -> Self {
        CommandConfig {
            name: "command".into(),
            argv: vec![],
            min_severity: Severity::Warning,
            timeout: Duration::from_secs(30),
        }
    }
}
