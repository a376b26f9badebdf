//! `[alert]` section of clawwatch.toml: the planner's policy and one table
//! array per channel kind (`[[alert.email]]`, `[[alert.webhook]]`,
//! `[[alert.ntfy]]`, `[[alert.alertmanager]]`, `[[alert.command]]`).
//! Durations are parsed when the file is read; a bad one is refused naming
//! its line and key.
//!
//! Secrets never sit inline: the SMTP password comes from `password_file` or
//! `CLAWWATCH_SMTP_PASSWORD`, the ntfy topic and tokens from `*_file` keys.

mod channels;
mod duration;
mod settings;
mod validate;

pub use channels::{
    AlertmanagerConfig, ChannelKind, CommandConfig, EmailConfig, NtfyConfig, SmtpTls, WebhookConfig,
};
pub use settings::{AlertConfig, DoctorAlerts, channel_names};
pub use validate::{ChannelProblem, ConfigError, is_loopback_host, validate};
