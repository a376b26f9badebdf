//! `[alert]` section of clawwatch.toml: the planner's policy and one table
//! array per channel kind (`[[alert.email]]`, `[[alert.webhook]]`,
//! `[[alert.ntfy]]`, `[[alert.alertmanager]]`, `[[alert.command]]`).
//!
//! Secrets never sit inline: the SMTP password comes from `password_file` or
//! `CLAWWATCH_SMTP_PASSWORD`, the ntfy topic and tokens from `*_file` keys.

use super::types::Severity;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// "" = $XDG_STATE_HOME/clawwatch/alert-state.json
    /// (else ~/.local/state/clawwatch/alert-state.json).
    pub state_file: String,
    /// Re-notify while still failing.
    pub repeat_every: String,
    pub send_resolved: bool,
    /// Each crossing escalates once; expired/missing always notify.
    pub thresholds: Vec<String>,
    /// Which doctor findings of each cycle alert: "error" (default),
    /// "warning" (errors and warnings) or "off".
    pub doctor: DoctorAlerts,
    pub email: Vec<EmailConfig>,
    pub webhook: Vec<WebhookConfig>,
    pub ntfy: Vec<NtfyConfig>,
    pub alertmanager: Vec<AlertmanagerConfig>,
    pub command: Vec<CommandConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            state_file: String::new(),
            repeat_every: "12h".into(),
            send_resolved: true,
            thresholds: vec!["7d".into(), "24h".into(), "2h".into()],
            doctor: DoctorAlerts::Error,
            email: vec![],
            webhook: vec![],
            ntfy: vec![],
            alertmanager: vec![],
            command: vec![],
        }
    }
}

/// Which doctor findings become alerts.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DoctorAlerts {
    Off,
    #[default]
    Error,
    Warning,
}

impl DoctorAlerts {
    /// The least severe finding that alerts (None: off).
    pub fn min_severity(self) -> Option<clawwatch_core::doctor::Level> {
        match self {
            DoctorAlerts::Off => None,
            DoctorAlerts::Error => Some(clawwatch_core::doctor::Level::Error),
            DoctorAlerts::Warning => Some(clawwatch_core::doctor::Level::Warning),
        }
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
    pub timeout: String,
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
            timeout: "30s".into(),
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
    pub timeout: String,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            name: "webhook".into(),
            url: String::new(),
            token_file: String::new(),
            min_severity: Severity::Warning,
            timeout: "10s".into(),
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
    pub timeout: String,
}

impl Default for NtfyConfig {
    fn default() -> Self {
        NtfyConfig {
            name: "ntfy".into(),
            url: "https://ntfy.sh".into(),
            topic_file: String::new(),
            token_file: String::new(),
            min_severity: Severity::Warning,
            timeout: "10s".into(),
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
    pub ends_after: String,
    pub timeout: String,
}

impl Default for AlertmanagerConfig {
    fn default() -> Self {
        AlertmanagerConfig {
            name: "alertmanager".into(),
            url: String::new(),
            min_severity: Severity::Warning,
            ends_after: "1h".into(),
            timeout: "10s".into(),
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
    pub timeout: String,
}

impl Default for CommandConfig {
    fn default() -> Self {
        CommandConfig {
            name: "command".into(),
            argv: vec![],
            min_severity: Severity::Warning,
            timeout: "30s".into(),
        }
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

fn duration(what: &str, s: &str) -> Result<std::time::Duration, String> {
    clawwatch_core::timefmt::parse_duration(s).map_err(|e| format!("{what}: {e}"))
}

fn http_url(what: &str, url: &str) -> Result<(), String> {
    let u = url.trim();
    if u.is_empty() {
        return Err(format!("{what}: url is required"));
    }
    if !(u.starts_with("http://") || u.starts_with("https://")) {
        return Err(format!("{what}: url must start with http:// or https://"));
    }
    Ok(())
}

/// Every channel's name, in config order (email, webhook, ntfy,
/// alertmanager, command).
pub fn channel_names(cfg: &AlertConfig) -> Vec<(String, Severity)> {
    let mut out = Vec::new();
    out.extend(cfg.email.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(cfg.webhook.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(cfg.ntfy.iter().map(|c| (c.name.clone(), c.min_severity)));
    out.extend(
        cfg.alertmanager
            .iter()
            .map(|c| (c.name.clone(), c.min_severity)),
    );
    out.extend(cfg.command.iter().map(|c| (c.name.clone(), c.min_severity)));
    out
}

pub fn validate(cfg: &AlertConfig) -> Result<(), String> {
    let repeat = duration("alert.repeat_every", &cfg.repeat_every)?;
    if repeat.is_zero() {
        return Err("alert.repeat_every: must be more than 0".into());
    }
    for t in &cfg.thresholds {
        let d = duration("alert.thresholds", t)?;
        if d.is_zero() {
            return Err("alert.thresholds: a threshold must be more than 0".into());
        }
    }
    let mut names = BTreeSet::new();
    for (name, _) in channel_names(cfg) {
        if name.trim().is_empty() {
            return Err("alert: a channel has an empty name".into());
        }
        if !names.insert(name.clone()) {
            return Err(format!(
                "alert: two channels are named {name:?}; give each a distinct `name`"
            ));
        }
    }
    for e in &cfg.email {
        let w = format!("alert.email {:?}", e.name);
        if e.smtp_host.trim().is_empty() {
            return Err(format!("{w}: smtp_host is required"));
        }
        if e.tls == SmtpTls::None && !is_loopback_host(&e.smtp_host) {
            return Err(format!(
                "{w}: tls = \"none\" is only allowed to a loopback host (localhost, 127.0.0.1, ::1), not {:?}; use \"starttls\" or \"tls\"",
                e.smtp_host
            ));
        }
        if e.tls == SmtpTls::None && !e.ca_file.is_empty() {
            return Err(format!("{w}: ca_file needs tls = \"starttls\" or \"tls\""));
        }
        e.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|err| format!("{w}: from {:?}: {err}", e.from))?;
        if e.to.is_empty() {
            return Err(format!("{w}: `to` needs at least one address"));
        }
        for t in &e.to {
            t.parse::<lettre::message::Mailbox>()
                .map_err(|err| format!("{w}: to {t:?}: {err}"))?;
        }
        duration(&format!("{w}: timeout"), &e.timeout)?;
    }
    for h in &cfg.webhook {
        let w = format!("alert.webhook {:?}", h.name);
        http_url(&w, &h.url)?;
        duration(&format!("{w}: timeout"), &h.timeout)?;
    }
    for n in &cfg.ntfy {
        let w = format!("alert.ntfy {:?}", n.name);
        http_url(&w, &n.url)?;
        if n.topic_file.trim().is_empty() {
            return Err(format!(
                "{w}: topic_file is required (the topic is a secret: keep it in a file only you can read)"
            ));
        }
        duration(&format!("{w}: timeout"), &n.timeout)?;
    }
    for a in &cfg.alertmanager {
        let w = format!("alert.alertmanager {:?}", a.name);
        http_url(&w, &a.url)?;
        duration(&format!("{w}: timeout"), &a.timeout)?;
        let ends = duration(&format!("{w}: ends_after"), &a.ends_after)?;
        if ends.is_zero() {
            return Err(format!("{w}: ends_after must be more than 0"));
        }
    }
    for c in &cfg.command {
        let w = format!("alert.command {:?}", c.name);
        if c.argv.first().is_none_or(|p| p.trim().is_empty()) {
            return Err(format!("{w}: argv needs at least the program"));
        }
        duration(&format!("{w}: timeout"), &c.timeout)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AlertConfig, String> {
        let c: AlertConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        validate(&c)?;
        Ok(c)
    }

    #[test]
    fn channels_parse_with_defaults() {
        let c = parse(
            r#"
            [[email]]
            smtp_host = "smtp.example.org"
            from = "clawwatch@example.org"
            to = ["ops@example.org"]
            [[webhook]]
            url = "http://127.0.0.1:9000/hook"
            [[ntfy]]
            name = "phone"
            topic_file = "/etc/clawwatch/topic"
            min_severity = "critical"
            [[alertmanager]]
            url = "http://127.0.0.1:9093"
            [[command]]
            name = "termux"
            argv = ["termux-notification", "--id", "{key}", "--title", "{title}"]
            "#,
        )
        .unwrap();
        assert_eq!(c.email[0].port(), 587);
        assert_eq!(c.email[0].name, "email");
        assert_eq!(c.ntfy[0].min_severity, Severity::Critical);
        assert_eq!(c.ntfy[0].url, "https://ntfy.sh");
        assert_eq!(channel_names(&c).len(), 5);
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
        let e = parse(&base("smtp.example.org")).unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        assert!(parse(&base("10.0.0.1")).is_err());
    }

    #[test]
    fn bad_channels_are_named() {
        let e = parse("[[webhook]]\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(e.contains("webhook"), "{e}");
        let e = parse("[[webhook]]\nurl = \"http://a\"\n[[webhook]]\nurl = \"http://b\"\n")
            .unwrap_err();
        assert!(e.contains("distinct"), "{e}");
        let e = parse("[[ntfy]]\n").unwrap_err();
        assert!(e.contains("topic_file"), "{e}");
        let e = parse("[[command]]\nargv = []\n").unwrap_err();
        assert!(e.contains("argv"), "{e}");
        let e = parse("[[email]]\nsmtp_host = \"h\"\nfrom = \"nope\"\nto = [\"a@b.example\"]\n")
            .unwrap_err();
        assert!(e.contains("from"), "{e}");
        let e = parse("[[webhook]]\nurl = \"http://a\"\nbogus = 1\n").unwrap_err();
        assert!(e.contains("bogus"), "{e}");
        assert!(parse("repeat_every = \"0s\"\n").is_err());
    }
}
