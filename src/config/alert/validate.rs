//! Checks serde cannot express: windows above zero, distinct channel names,
//! each channel's required keys. Each error names the key at fault.

use super::channels::{
    AlertmanagerConfig, ChannelKind, CommandConfig, EmailConfig, NtfyConfig, SmtpTls, WebhookConfig,
};
use super::settings::{AlertConfig, channel_names};
use std::collections::BTreeSet;

/// What is wrong with an `[alert]` section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("alert.repeat_every: must be more than 0")]
    RepeatEveryZero,
    #[error("alert.thresholds: a threshold must be more than 0")]
    ThresholdZero,
    #[error("alert: a channel has an empty name")]
    EmptyName,
    #[error("alert: two channels are named {0:?}; give each a distinct `name`")]
    DuplicateName(String),
    #[error("alert.{kind} {name:?}: {problem}")]
    Channel {
        kind: ChannelKind,
        name: String,
        problem: ChannelProblem,
    },
}

/// What is wrong with one channel's table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelProblem {
    #[error("smtp_host is required")]
    SmtpHostRequired,
    #[error(
        "tls = \"none\" is only allowed to a loopback host (localhost, 127.0.0.1, ::1), not {0:?}; use \"starttls\" or \"tls\""
    )]
    PlaintextToRemote(String),
    #[error("ca_file needs tls = \"starttls\" or \"tls\"")]
    CaFileWithoutTls,
    #[error("from {value:?}: {reason}")]
    BadFrom { value: String, reason: String },
    #[error("`to` needs at least one address")]
    NoRecipient,
    #[error("to {value:?}: {reason}")]
    BadTo { value: String, reason: String },
    #[error("url is required")]
    UrlRequired,
    #[error("url must start with http:// or https://")]
    UrlScheme,
    #[error("topic_file is required (the topic is a secret: keep it in a file only you can read)")]
    TopicFileRequired,
    #[error("ends_after must be more than 0")]
    EndsAfterZero,
    #[error("argv needs at least the program")]
    NoProgram,
}

/// `crate::config::validate` reports its errors as text.
impl From<ConfigError> for String {
    fn from(e: ConfigError) -> String {
        e.to_string()
    }
}

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.');
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn http_url(url: &str) -> Result<(), ChannelProblem> {
    let u = url.trim();
    if u.is_empty() {
        return Err(ChannelProblem::UrlRequired);
    }
    if !(u.starts_with("http://") || u.starts_with("https://")) {
        return Err(ChannelProblem::UrlScheme);
    }
    Ok(())
}

fn email(e: &EmailConfig) -> Result<(), ChannelProblem> {
    if e.smtp_host.trim().is_empty() {
        return Err(ChannelProblem::SmtpHostRequired);
    }
    if e.tls == SmtpTls::None && !is_loopback_host(&e.smtp_host) {
        return Err(ChannelProblem::PlaintextToRemote(e.smtp_host.clone()));
    }
    if e.tls == SmtpTls::None && !e.ca_file.is_empty() {
        return Err(ChannelProblem::CaFileWithoutTls);
    }
    e.from
        .parse::<lettre::message::Mailbox>()
        .map_err(|err| ChannelProblem::BadFrom {
            value: e.from.clone(),
            reason: err.to_string(),
        })?;
    if e.to.is_empty() {
        return Err(ChannelProblem::NoRecipient);
    }
    for t in &e.to {
        t.parse::<lettre::message::Mailbox>()
            .map_err(|err| ChannelProblem::BadTo {
                value: t.clone(),
                reason: err.to_string(),
            })?;
    }
    Ok(())
}

fn webhook(h: &WebhookConfig) -> Result<(), ChannelProblem> {
    http_url(&h.url)
}

fn ntfy(n: &NtfyConfig) -> Result<(), ChannelProblem> {
    http_url(&n.url)?;
    if n.topic_file.trim().is_empty() {
        return Err(ChannelProblem::TopicFileRequired);
    }
    Ok(())
}

fn alertmanager(a: &AlertmanagerConfig) -> Result<(), ChannelProblem> {
    http_url(&a.url)?;
    if a.ends_after.is_zero() {
        return Err(ChannelProblem::EndsAfterZero);
    }
    Ok(())
}

fn command(c: &CommandConfig) -> Result<(), ChannelProblem> {
    if c.argv.first().is_none_or(|p| p.trim().is_empty()) {
        return Err(ChannelProblem::NoProgram);
    }
    Ok(())
}

/// Check each channel of a kind, naming the first one at fault.
fn each<T>(
    kind: ChannelKind,
    items: &[T],
    name: impl Fn(&T) -> &str,
    check: impl Fn(&T) -> Result<(), ChannelProblem>,
) -> Result<(), ConfigError> {
    for c in items {
        check(c).map_err(|problem| ConfigError::Channel {
            kind,
            name: name(c).to_string(),
            problem,
        })?;
    }
    Ok(())
}

fn names(cfg: &AlertConfig) -> Result<(), ConfigError> {
    let mut seen = BTreeSet::new();
    for (name, _) in channel_names(cfg) {
        if name.trim().is_empty() {
            return Err(ConfigError::EmptyName);
        }
        if !seen.insert(name.clone()) {
            return Err(ConfigError::DuplicateName(name));
        }
    }
    Ok(())
}

/// Check an `[alert]` section (durations were parsed when it was read).
pub fn validate(cfg: &AlertConfig) -> Result<(), ConfigError> {
    if cfg.repeat_every.is_zero() {
        return Err(ConfigError::RepeatEveryZero);
    }
    if cfg.thresholds.iter().any(|t| t.is_zero()) {
        return Err(ConfigError::ThresholdZero);
    }
    names(cfg)?;
    each(ChannelKind::Email, &cfg.email, |c| &c.name, email)?;
    each(ChannelKind::Webhook, &cfg.webhook, |c| &c.name, webhook)?;
    each(ChannelKind::Ntfy, &cfg.ntfy, |c| &c.name, ntfy)?;
    each(
        ChannelKind::Alertmanager,
        &cfg.alertmanager,
        |c| &c.name,
        alertmanager,
    )?;
    each(ChannelKind::Command, &cfg.command, |c| &c.name, command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawwatch_core::alert::Severity;
    use std::time::Duration;

    /// The section as `[alert]` of a file: parse errors as text, checks typed.
    fn parse(text: &str) -> Result<AlertConfig, String> {
        let c: AlertConfig = toml::from_str(text).map_err(|e| e.message().to_string())?;
        validate(&c)?;
        Ok(c)
    }

    fn problem(text: &str) -> ConfigError {
        let c: AlertConfig = toml::from_str(text).unwrap();
        validate(&c).unwrap_err()
    }

    #[test]
    fn channels_parse_with_defaults() {
        let c = parse(
            r#"
            repeat_every = "6h"
            thresholds = ["1d", "90m"]
            [[email]]
            smtp_host = "smtp.example.org"
            from = "clawwatch@example.org"
            to = ["ops@example.org"]
            timeout = "45s"
            [[webhook]]
            url = "http://127.0.0.1:9000/hook"
            [[ntfy]]
            name = "phone"
            topic_file = "/etc/clawwatch/topic"
            min_severity = "critical"
            [[alertmanager]]
            url = "http://127.0.0.1:9093"
            ends_after = "2h"
            [[command]]
            name = "termux"
            argv = ["termux-notification", "--id", "{key}", "--title", "{title}"]
            "#,
        )
        .unwrap();
        assert_eq!(c.repeat_every, Duration::from_secs(6 * 3600));
        assert_eq!(
            c.thresholds,
            [Duration::from_secs(86_400), Duration::from_secs(5400)]
        );
        assert_eq!(c.email[0].port(), 587);
        assert_eq!(c.email[0].name, "email");
        assert_eq!(c.email[0].timeout, Duration::from_secs(45));
        assert_eq!(c.webhook[0].timeout, Duration::from_secs(10));
        assert_eq!(c.alertmanager[0].ends_after, Duration::from_secs(7200));
        assert_eq!(c.ntfy[0].min_severity, Severity::Critical);
        assert_eq!(c.ntfy[0].url, "https://ntfy.sh");
        assert_eq!(channel_names(&c).len(), 5);
        let p = c.policy();
        assert_eq!(p.thresholds_ms, [86_400_000, 5_400_000]);
        assert_eq!(p.repeat_every_ms, 6 * 3_600_000);
        assert_eq!(p.channels.len(), 5);
        assert_eq!(
            AlertConfig::default().policy(),
            clawwatch_core::alert::AlertPolicy::default()
        );
    }

    #[test]
    fn bad_durations_name_the_key() {
        let e = parse("repeat_every = \"5 parsecs\"\n").unwrap_err();
        assert!(
            e.starts_with("alert.repeat_every: invalid duration \"5 parsecs\""),
            "{e}"
        );
        let e = parse("thresholds = [\"7d\", \"soon\"]\n").unwrap_err();
        assert!(
            e.starts_with("alert.thresholds: invalid duration \"soon\""),
            "{e}"
        );
        // A channel's duration: the error sits at its line and key.
        let text = "[[webhook]]\nurl = \"http://a\"\ntimeout = \"ten\"\n";
        let err = toml::from_str::<AlertConfig>(text).unwrap_err();
        assert!(
            err.message().starts_with("invalid duration \"ten\""),
            "{err}"
        );
        let span = err.span().unwrap();
        assert_eq!(&text[span.start..span.end], "\"ten\"");
        assert_eq!(
            problem("repeat_every = \"0s\"\n"),
            ConfigError::RepeatEveryZero
        );
        assert_eq!(
            problem("thresholds = [\"1h\", \"0s\"]\n"),
            ConfigError::ThresholdZero
        );
    }

    /// `config check`'s words: the line and key from a file, the key from
    /// an override.
    #[test]
    fn config_load_names_the_key_of_a_bad_duration() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        let load = |text: &str, env: &[(&str, &str)]| {
            std::fs::write(&p, text).unwrap();
            let env = env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            crate::config::load(Some(&p), &env).unwrap_err().to_string()
        };
        let e = load(
            "[alert]\nsend_resolved = true\nrepeat_every = \"5 parsecs\"\n",
            &[],
        );
        assert!(
            e.contains("line 3 ([alert] repeat_every): alert.repeat_every: invalid duration"),
            "{e}"
        );
        let e = load(
            "[[alert.webhook]]\nurl = \"http://127.0.0.1:1/x\"\ntimeout = \"ten\"\n",
            &[],
        );
        assert!(
            e.contains("line 3 ([[alert.webhook]] timeout): invalid duration \"ten\""),
            "{e}"
        );
        let e = load("", &[("CLAWWATCH_ALERT_REPEAT_EVERY", "5x")]);
        assert!(
            e.contains("alert.repeat_every: invalid duration \"5x\""),
            "{e}"
        );
        let e = load("", &[("CLAWWATCH_ALERT_THRESHOLDS", "[\"1h\", \"x\"]")]);
        assert!(
            e.contains("alert.thresholds: invalid duration \"x\""),
            "{e}"
        );
        let e = load("", &[("CLAWWATCH_ALERT_REPEAT_EVERY", "0s")]);
        assert!(
            e.ends_with(": alert.repeat_every: must be more than 0"),
            "{e}"
        );
    }

    #[test]
    fn plaintext_smtp_only_to_loopback() {
        let base = |host: &str| {
            format!(
                "[[email]]\nsmtp_host = \"{host}\"\ntls = \"none\"\nfrom = \"a@b.example\"\nto = [\"c@d.example\"]\n"
            )
        };
        assert!(parse(&base("127.0.0.1")).is_ok());
        assert!(parse(&base("localhost")).is_ok());
        assert!(parse(&base("::1")).is_ok());
        let e = problem(&base("smtp.example.org"));
        assert_eq!(
            e,
            ConfigError::Channel {
                kind: ChannelKind::Email,
                name: "email".into(),
                problem: ChannelProblem::PlaintextToRemote("smtp.example.org".into()),
            }
        );
        assert_eq!(
            e.to_string(),
            "alert.email \"email\": tls = \"none\" is only allowed to a loopback host (localhost, 127.0.0.1, ::1), not \"smtp.example.org\"; use \"starttls\" or \"tls\""
        );
        assert!(parse(&base("10.0.0.1")).is_err());
    }

    #[test]
    fn bad_channels_are_named() {
        let channel = |text: &str| match problem(text) {
            ConfigError::Channel { kind, problem, .. } => (kind, problem),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            channel("[[webhook]]\nurl = \"ftp://x\"\n"),
            (ChannelKind::Webhook, ChannelProblem::UrlScheme)
        );
        assert_eq!(
            problem("[[webhook]]\nurl = \"http://a\"\n[[webhook]]\nurl = \"http://b\"\n"),
            ConfigError::DuplicateName("webhook".into())
        );
        assert_eq!(
            channel("[[ntfy]]\n"),
            (ChannelKind::Ntfy, ChannelProblem::TopicFileRequired)
        );
        assert_eq!(
            channel("[[command]]\nargv = []\n"),
            (ChannelKind::Command, ChannelProblem::NoProgram)
        );
        assert!(matches!(
            channel("[[email]]\nsmtp_host = \"h\"\nfrom = \"nope\"\nto = [\"a@b.example\"]\n"),
            (ChannelKind::Email, ChannelProblem::BadFrom { .. })
        ));
        assert_eq!(
            channel("[[alertmanager]]\nurl = \"http://a\"\nends_after = \"0s\"\n"),
            (ChannelKind::Alertmanager, ChannelProblem::EndsAfterZero)
        );
        assert_eq!(
            problem("[[command]]\nname = \" \"\nargv = [\"x\"]\n"),
            ConfigError::EmptyName
        );
        let e = parse("[[webhook]]\nurl = \"http://a\"\nbogus = 1\n").unwrap_err();
        assert!(e.contains("bogus"), "{e}");
    }
}
