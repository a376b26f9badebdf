//! Email over SMTP with lettre on rustls (no OpenSSL): STARTTLS (required,
//! never opportunistic), implicit TLS, or plain text to a loopback relay.
//! The password comes from `password_file` or `CLAWWATCH_SMTP_PASSWORD`; a
//! private CA can be trusted with `ca_file`.

use super::channel::{Channel, SendError, read_secret_file};
use super::message::{Ctx, render};
use crate::config::alert::{EmailConfig, SmtpTls, is_loopback_host};
use clawwatch_core::alert::{Notification, Severity};
use clawwatch_core::secret::Secret;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use std::collections::BTreeMap;

pub struct EmailChannel {
    name: String,
    min_severity: Severity,
    transport: SmtpTransport,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// Kept only to scrub it from error messages.
    password: Option<Secret>,
}

/// How the connection is protected (reading `ca_file`).
fn tls(cfg: &EmailConfig, host: &str) -> Result<Tls, String> {
    let params = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(host.to_string());
        if !cfg.ca_file.is_empty() {
            let pem =
                crate::fsutil::read_bounded(std::path::Path::new(&cfg.ca_file), 4 * 1024 * 1024)
                    .map_err(|e| format!("ca_file {}: {e}", cfg.ca_file))?;
            let cert =
                Certificate::from_pem(&pem).map_err(|e| format!("ca_file {}: {e}", cfg.ca_file))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|e| format!("TLS setup: {e}"))
    };
    match cfg.tls {
        SmtpTls::Starttls => Ok(Tls::Required(params()?)),
        SmtpTls::Tls => Ok(Tls::Wrapper(params()?)),
        SmtpTls::None if is_loopback_host(host) => Ok(Tls::None),
        SmtpTls::None => Err(format!(
            "tls = \"none\" is only allowed to a loopback host, not {host:?}"
        )),
    }
}

/// The SMTP password when a username is set: `password_file`, else
/// `CLAWWATCH_SMTP_PASSWORD`.
fn password(cfg: &EmailConfig, env: &BTreeMap<String, String>) -> Result<Option<Secret>, String> {
    if cfg.username.is_empty() {
        return Ok(None);
    }
    if !cfg.password_file.is_empty() {
        return read_secret_file("password_file", &cfg.password_file).map(Some);
    }
    match env
        .get("CLAWWATCH_SMTP_PASSWORD")
        .filter(|p| !p.trim().is_empty())
    {
        Some(p) => Ok(Some(Secret::new(p.trim_end_matches(['\n', '\r'])))),
        None => Err(format!(
            "username {:?} is set but no password: set password_file or CLAWWATCH_SMTP_PASSWORD",
            cfg.username
        )),
    }
}

/// (from, to) as mailboxes.
fn mailboxes(cfg: &EmailConfig) -> Result<(Mailbox, Vec<Mailbox>), String> {
    let from: Mailbox = cfg
        .from
        .parse()
        .map_err(|e| format!("from {:?}: {e}", cfg.from))?;
    let to = cfg
        .to
        .iter()
        .map(|t| t.parse::<Mailbox>().map_err(|e| format!("to {t:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err("`to` needs at least one address".into());
    }
    Ok((from, to))
}

impl EmailChannel {
    pub fn new(cfg: &EmailConfig, env: &BTreeMap<String, String>) -> Result<EmailChannel, String> {
        let host = cfg.smtp_host.trim();
        if host.is_empty() {
            return Err("smtp_host is required".into());
        }
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(cfg.port())
            .tls(tls(cfg, host)?)
            .timeout(Some(cfg.timeout));
        let password = password(cfg, env)?;
        if let Some(secret) = &password {
            builder = builder.credentials(Credentials::new(
                cfg.username.clone(),
                secret.expose().to_string(),
            ));
        }
        let (from, to) = mailboxes(cfg)?;
        Ok(EmailChannel {
            name: cfg.name.clone(),
            min_severity: cfg.min_severity,
            transport: builder.build(),
            from,
            to,
            password,
        })
    }

    fn message(&self, n: &Notification, ctx: &Ctx) -> Result<Message, String> {
        let r = render(n, ctx);
        let domain = self.from.email.domain().to_string();
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(r.subject)
            // Stable across retries of this notice, unique across state files.
            .message_id(Some(format!(
                "<clawwatch.{}.{}.{}@{domain}>",
                n.id,
                n.planned_at_ms,
                n.key.slug()
            )))
            .user_agent(concat!("clawwatch/", env!("CARGO_PKG_VERSION")).to_string());
        for t in &self.to {
            b = b.to(t.clone());
        }
        b.multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .map_err(|e| e.to_string())
    }
}

impl Channel for EmailChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "email"
    }

    fn min_severity(&self) -> Severity {
        self.min_severity
    }

    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
        let msg = self.message(n, ctx).map_err(SendError::permanent)?;
        match self.transport.send(&msg) {
            Ok(_) => Ok(()),
            Err(e) => {
                let secrets: Vec<&str> = self.password.iter().map(|p| p.expose()).collect();
                let text = super::channel::scrub(&format!("SMTP: {e}"), &secrets);
                if e.is_permanent() {
                    Err(SendError::permanent(text))
                } else {
                    Err(SendError::transient(text))
                }
            }
        }
    }
}
