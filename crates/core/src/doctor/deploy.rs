//! Checks of clawwatch's own deployment: its config, the directories it
//! writes, its metrics port and its alert channels.

use super::finding::{Finding, Level};
use super::id::FindingId;
use super::inputs::{
    AlertChannel, ChannelSettings, ClawwatchInputs, DirCheck, EmailSettings, EmailTls,
    NtfySettings, PortCheck, PortState, SmtpProbe,
};
use crate::openclaw::paths::display_path;
use std::path::Path;

pub fn findings(cw: &ClawwatchInputs, home: &Path) -> Vec<Finding> {
    let cfg_shown = cw.config_path.as_deref().map(|p| display_path(p, home));
    let mut out = Vec::new();
    if let Some(e) = &cw.config_error {
        out.push(config_invalid(e, cfg_shown.clone()));
    }
    out.extend(dir_finding(
        cw.state_dir.as_ref(),
        FindingId::ClawwatchStateDirUnwritable,
        "clawwatch's state directory (alert state)",
        home,
    ));
    out.extend(dir_finding(
        cw.textfile_dir.as_ref(),
        FindingId::ClawwatchTextfileDirUnwritable,
        "the metrics textfile's directory",
        home,
    ));
    if let Some(port) = &cw.metrics_port {
        out.extend(metrics_port(port, cw, cfg_shown.as_deref()));
    }
    out.extend(alert_channels(cw, cfg_shown.as_deref()));
    out.extend(
        cw.smtp_probes
            .iter()
            .map(|p| smtp_probe(p, cfg_shown.as_deref())),
    );
    out
}

fn config_invalid(error: &str, cfg_shown: Option<String>) -> Finding {
    Finding::new(
        FindingId::ClawwatchConfigInvalid,
        Level::Error,
        format!(
            "clawwatch's config is invalid, so `clawwatch run` and `once` refuse to start: {error}"
        ),
        "fix the key named (`clawwatch config example` prints every key with its default)",
    )
    .path_opt(cfg_shown)
}

fn dir_finding(
    check: Option<&DirCheck>,
    id: FindingId,
    what: &str,
    home: &Path,
) -> Option<Finding> {
    let c = check?;
    let Err(why) = &c.result else { return None };
    let dir = display_path(&c.dir, home);
    Some(
        Finding::new(
            id,
            Level::Error,
            format!("{what} {dir} ({}) is not writable: {why}", c.setting),
            format!(
                "create it writable for the user clawwatch runs as (`mkdir -p {dir}`), or set {} to a writable place",
                c.setting
            ),
        )
        .path(dir),
    )
}

fn metrics_port(
    port: &PortCheck,
    cw: &ClawwatchInputs,
    cfg_shown: Option<&str>,
) -> Option<Finding> {
    match &port.state {
        PortState::Free => None,
        PortState::Ours => Some(Finding::new(
            FindingId::MetricsPortOurs,
            Level::Info,
            format!("a clawwatch already serves /metrics on {}", port.addr),
            "",
        )),
        // Without a config file nobody may have deployed `run` at all.
        PortState::InUse(why) => Some(
            Finding::new(
                FindingId::MetricsPortInUse,
                if cw.config_path.is_some() {
                    Level::Error
                } else {
                    Level::Warning
                },
                format!(
                    "[metrics] listen {} cannot be used by `clawwatch run`: {why}",
                    port.addr
                ),
                "stop the other program, or set [metrics] listen to a free address (\"\" disables the HTTP server)",
            )
            .path_opt(cfg_shown.map(str::to_string)),
        ),
    }
}

fn smtp_probe(p: &SmtpProbe, cfg_shown: Option<&str>) -> Finding {
    let (name, addr) = (&p.channel, &p.addr);
    match &p.answer {
        Ok(answer) => Finding::new(
            FindingId::ProbeSmtpOk,
            Level::Info,
            format!("alert channel email \"{name}\": {addr} answered EHLO ({answer})"),
            "",
        ),
        Err(e) => Finding::new(
            FindingId::ProbeSmtpFailed,
            Level::Error,
            format!("alert channel email \"{name}\": {addr} did not answer EHLO: {e}"),
            "check smtp_host, smtp_port and tls, and that this host may reach the mail server",
        )
        .path_opt(cfg_shown.map(str::to_string)),
    }
}

// ------------------------------------------------------------ alert channels

/// Each configured alert channel has what it needs to deliver.
pub fn alert_channels(cw: &ClawwatchInputs, cfg_shown: Option<&str>) -> Vec<Finding> {
    cw.channels
        .iter()
        .filter_map(|ch| {
            let missing = channel_problems(ch, cw);
            if missing.is_empty() {
                return None;
            }
            let (kind, name) = (ch.kind(), ch.display_name());
            Some(
                Finding::new(
                    FindingId::AlertChannelIncomplete,
                    Level::Error,
                    format!(
                        "alert channel {kind} \"{name}\" cannot deliver: {}",
                        missing.join("; ")
                    ),
                    format!(
                        "complete [[alert.{kind}]] \"{name}\", then `clawwatch alert test --channel {name}`"
                    ),
                )
                .path_opt(cfg_shown.map(str::to_string)),
            )
        })
        .collect()
}

/// What a channel lacks, in the order it is checked: its kind's settings,
/// then the files it names.
fn channel_problems(ch: &AlertChannel, cw: &ClawwatchInputs) -> Vec<String> {
    let mut missing = match &ch.settings {
        ChannelSettings::Email(e) => email_problems(e, cw.env_smtp_password),
        ChannelSettings::Webhook { url } | ChannelSettings::Alertmanager { url } => {
            http_url_problem(url.as_deref()).into_iter().collect()
        }
        ChannelSettings::Ntfy(n) => ntfy_problems(n),
        ChannelSettings::Command { argv } => command_problem(argv, cw).into_iter().collect(),
    };
    for f in &ch.files {
        if let Some(Err(why)) = cw.files.get(&f.path) {
            // The file holding a secret: the setting is not echoed, in case
            // the secret itself was pasted there (issue 17, finding 4).
            if f.key == "ca_file" {
                missing.push(format!("{} {}: {why}", f.key, f.path));
            } else {
                missing.push(format!("{} (value not shown): {why}", f.key));
            }
        }
    }
    missing
}

fn email_problems(e: &EmailSettings, env_smtp_password: bool) -> Vec<String> {
    let mut missing = Vec::new();
    if e.smtp_host.is_none() {
        missing.push("smtp_host is not set".into());
    }
    if !e.from_set {
        missing.push("from is not set".into());
    }
    if !e.has_recipient {
        missing.push("to has no recipient".into());
    }
    match &e.tls {
        EmailTls::Starttls | EmailTls::Tls => {}
        EmailTls::None => {
            if e.smtp_host.as_deref().is_some_and(|h| !is_loopback(h)) {
                missing.push("tls = \"none\" is refused for a host that is not loopback".into());
            }
        }
        EmailTls::Other(other) => {
            missing.push(format!("tls {other:?} is not one of starttls, tls, none"))
        }
    }
    if e.username_set && !e.password_file_set && !env_smtp_password {
        missing.push(
            "username is set but there is no password (password_file or CLAWWATCH_SMTP_PASSWORD)"
                .into(),
        );
    }
    missing
}

fn ntfy_problems(n: &NtfySettings) -> Vec<String> {
    let mut missing: Vec<String> = http_url_problem(n.url.as_deref()).into_iter().collect();
    if !n.topic_set && !n.topic_file_set {
        missing.push("neither topic nor topic_file is set".into());
    }
    missing
}

fn http_url_problem(url: Option<&str>) -> Option<String> {
    match url {
        None => Some("url is not set".into()),
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
            Some(format!("url {u:?} is not an http(s) URL"))
        }
        Some(_) => None,
    }
}

fn command_problem(argv: &[String], cw: &ClawwatchInputs) -> Option<String> {
    match argv.first() {
        None => Some("argv is empty".into()),
        Some(prog) if cw.commands.get(prog) == Some(&false) => {
            Some(format!("program {prog:?} is not found (PATH or path)"))
        }
        _ => None,
    }
}

/// `localhost` or a loopback address (brackets allowed around IPv6).
fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    // core::net holds the address types only (no sockets).
    h == "localhost"
        || h.parse::<core::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::inputs::ChannelFile;
    use std::path::PathBuf;

    fn channel(index: usize, name: Option<&str>, settings: ChannelSettings) -> AlertChannel {
        AlertChannel {
            index,
            name: name.map(str::to_string),
            settings,
            files: vec![],
        }
    }

    fn email(host: Option<&str>, tls: EmailTls) -> EmailSettings {
        EmailSettings {
            smtp_host: host.map(str::to_string),
            from_set: true,
            has_recipient: true,
            tls,
            username_set: false,
            password_file_set: false,
        }
    }

    fn messages(cw: &ClawwatchInputs) -> Vec<String> {
        alert_channels(cw, None)
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    /// (channel, what is reported: None = nothing).
    #[test]
    fn channels_table() {
        let url = |u: Option<&str>| u.map(str::to_string);
        let cases: Vec<(AlertChannel, Option<&str>)> = vec![
            (
                channel(
                    0,
                    Some("ops"),
                    ChannelSettings::Email(email(Some("127.0.0.1"), EmailTls::None)),
                ),
                None,
            ),
            (
                channel(
                    0,
                    Some("ops"),
                    ChannelSettings::Email(email(Some("[::1]"), EmailTls::None)),
                ),
                None,
            ),
            (
                channel(
                    0,
                    Some("ops"),
                    ChannelSettings::Email(email(Some("smtp.example.org"), EmailTls::None)),
                ),
                Some(
                    "alert channel email \"ops\" cannot deliver: tls = \"none\" is refused for a host that is not loopback",
                ),
            ),
            (
                channel(
                    1,
                    None,
                    ChannelSettings::Email(email(None, EmailTls::Other("ssl".into()))),
                ),
                Some(
                    "alert channel email \"email[1]\" cannot deliver: smtp_host is not set; tls \"ssl\" is not one of starttls, tls, none",
                ),
            ),
            (
                channel(
                    0,
                    Some("ops"),
                    ChannelSettings::Email(EmailSettings {
                        username_set: true,
                        from_set: false,
                        has_recipient: false,
                        ..email(Some("smtp.example.org"), EmailTls::Starttls)
                    }),
                ),
                Some(
                    "alert channel email \"ops\" cannot deliver: from is not set; to has no recipient; username is set but there is no password (password_file or CLAWWATCH_SMTP_PASSWORD)",
                ),
            ),
            (
                channel(
                    0,
                    Some("hook"),
                    ChannelSettings::Webhook {
                        url: url(Some("ftp://x")),
                    },
                ),
                Some(
                    "alert channel webhook \"hook\" cannot deliver: url \"ftp://x\" is not an http(s) URL",
                ),
            ),
            (
                channel(2, None, ChannelSettings::Alertmanager { url: None }),
                Some(
                    "alert channel alertmanager \"alertmanager[2]\" cannot deliver: url is not set",
                ),
            ),
            (
                channel(
                    0,
                    None,
                    ChannelSettings::Alertmanager {
                        url: url(Some("http://127.0.0.1:9093")),
                    },
                ),
                None,
            ),
            (
                channel(
                    0,
                    None,
                    ChannelSettings::Ntfy(NtfySettings {
                        url: url(Some("https://ntfy.sh")),
                        topic_set: false,
                        topic_file_set: true,
                    }),
                ),
                None,
            ),
            (
                channel(
                    0,
                    None,
                    ChannelSettings::Ntfy(NtfySettings {
                        url: None,
                        topic_set: false,
                        topic_file_set: false,
                    }),
                ),
                Some(
                    "alert channel ntfy \"ntfy[0]\" cannot deliver: url is not set; neither topic nor topic_file is set",
                ),
            ),
            (
                channel(
                    0,
                    Some("cmd"),
                    ChannelSettings::Command {
                        argv: vec!["nope-not-here".into()],
                    },
                ),
                Some(
                    "alert channel command \"cmd\" cannot deliver: program \"nope-not-here\" is not found (PATH or path)",
                ),
            ),
            (
                channel(
                    0,
                    Some("cmd"),
                    ChannelSettings::Command {
                        argv: vec!["found".into()],
                    },
                ),
                None,
            ),
            (
                channel(0, Some("cmd"), ChannelSettings::Command { argv: vec![] }),
                Some("alert channel command \"cmd\" cannot deliver: argv is empty"),
            ),
        ];
        for (ch, want) in cases {
            let mut cw = ClawwatchInputs::default();
            cw.commands.insert("nope-not-here".into(), false);
            cw.commands.insert("found".into(), true);
            cw.channels = vec![ch.clone()];
            let got = messages(&cw);
            assert_eq!(
                got,
                want.into_iter().map(str::to_string).collect::<Vec<_>>(),
                "{ch:?}"
            );
        }
    }

    #[test]
    fn password_from_env_and_unreadable_files() {
        let mut cw = ClawwatchInputs {
            env_smtp_password: true,
            ..Default::default()
        };
        let mut ch = channel(
            0,
            Some("ops"),
            ChannelSettings::Email(EmailSettings {
                username_set: true,
                ..email(Some("smtp.example.org"), EmailTls::Tls)
            }),
        );
        cw.channels = vec![ch.clone()];
        assert!(messages(&cw).is_empty());
        ch.files = vec![ChannelFile {
            key: "password_file".into(),
            path: "/run/secrets/smtp".into(),
        }];
        cw.channels = vec![ch];
        cw.files.insert(
            "/run/secrets/smtp".into(),
            Err("not readable by this user".into()),
        );
        assert_eq!(
            messages(&cw),
            [
                "alert channel email \"ops\" cannot deliver: password_file (value not shown): not readable by this user"
            ]
        );
    }

    #[test]
    fn deployment_findings() {
        let cw = ClawwatchInputs {
            config_path: Some(PathBuf::from("/h/.config/clawwatch/clawwatch.toml")),
            config_error: Some("line 3: unknown key `x`".into()),
            state_dir: Some(DirCheck {
                dir: PathBuf::from("/h/.local/state/clawwatch"),
                result: Err("permission denied for this user".into()),
                setting: "[alert] state_file",
            }),
            metrics_port: Some(PortCheck {
                addr: "127.0.0.1:9847".into(),
                state: PortState::InUse("in use".into()),
            }),
            smtp_probes: vec![SmtpProbe {
                channel: "ops".into(),
                addr: "mail:587".into(),
                answer: Ok("250 hi".into()),
            }],
            ..Default::default()
        };
        let f = findings(&cw, Path::new("/h"));
        let ids: Vec<_> = f.iter().map(|f| (f.id, f.severity)).collect();
        assert_eq!(
            ids,
            [
                (FindingId::ClawwatchConfigInvalid, Level::Error),
                (FindingId::ClawwatchStateDirUnwritable, Level::Error),
                (FindingId::MetricsPortInUse, Level::Error),
                (FindingId::ProbeSmtpOk, Level::Info),
            ]
        );
        assert_eq!(
            f[0].path.as_deref(),
            Some("~/.config/clawwatch/clawwatch.toml")
        );
        assert_eq!(f[1].path.as_deref(), Some("~/.local/state/clawwatch"));
        // Without a config file the port is only a warning.
        let cw = ClawwatchInputs {
            config_path: None,
            ..cw
        };
        let f = findings(&cw, Path::new("/h"));
        assert!(
            f.iter()
                .any(|f| f.id == FindingId::MetricsPortInUse && f.severity == Level::Warning)
        );
    }
}
