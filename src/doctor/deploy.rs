//! Pure checks of clawwatch's own deployment: its config, the directories
//! it writes, its alert channels and its metrics port.

use super::{ClawwatchInputs, Finding, Level, PortState};
use clawwatch_core::openclaw::paths::display_path;
use std::path::Path;
use toml::Value;

pub fn findings(cw: &ClawwatchInputs, home: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    let cfg_shown = cw.config_path.as_deref().map(|p| display_path(p, home));
    if let Some(e) = &cw.config_error {
        out.push(
            Finding::new(
                "clawwatch-config-invalid",
                Level::Error,
                format!("clawwatch's config is invalid, so `clawwatch run` and `once` refuse to start: {e}"),
                "fix the key named (`clawwatch config example` prints every key with its default)",
            )
            .path_opt(cfg_shown.clone()),
        );
    }
    for (check, id, what) in [
        (
            &cw.state_dir,
            "clawwatch-state-dir-unwritable",
            "clawwatch's state directory (alert state)",
        ),
        (
            &cw.textfile_dir,
            "clawwatch-textfile-dir-unwritable",
            "the metrics textfile's directory",
        ),
    ] {
        if let Some(c) = check
            && let Err(why) = &c.result
        {
            let dir = display_path(&c.dir, home);
            out.push(
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
            );
        }
    }
    if let Some(port) = &cw.metrics_port {
        match &port.state {
            PortState::Free => {}
            PortState::Ours => out.push(Finding::new(
                "metrics-port-ours",
                Level::Info,
                format!("a clawwatch already serves /metrics on {}", port.addr),
                "",
            )),
            // Without a config file nobody may have deployed `run` at all.
            PortState::InUse(why) => out.push(
                Finding::new(
                    "metrics-port-in-use",
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
                .path_opt(cfg_shown.clone()),
            ),
        }
    }
    if let Some(raw) = &cw.raw {
        out.extend(alert_channels(raw, cw, cfg_shown.as_deref()));
    }
    for (name, addr, result) in &cw.smtp_probes {
        match result {
            Ok(answer) => out.push(Finding::new(
                "probe-smtp-ok",
                Level::Info,
                format!("alert channel email \"{name}\": {addr} answered EHLO ({answer})"),
                "",
            )),
            Err(e) => out.push(
                Finding::new(
                    "probe-smtp-failed",
                    Level::Error,
                    format!("alert channel email \"{name}\": {addr} did not answer EHLO: {e}"),
                    "check smtp_host, smtp_port and tls, and that this host may reach the mail server",
                )
                .path_opt(cfg_shown.clone()),
            ),
        }
    }
    out
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn non_empty_str<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    t.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn http_url(t: &toml::Table, key: &str, missing: &mut Vec<String>) {
    match non_empty_str(t, key) {
        None => missing.push(format!("{key} is not set")),
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
            missing.push(format!("{key} {u:?} is not an http(s) URL"))
        }
        Some(_) => {}
    }
}

/// The channel kinds of `[[alert.<kind>]]` and what each needs.
pub const CHANNEL_KINDS: &[&str] = &["email", "webhook", "ntfy", "alertmanager", "command"];

/// Each configured alert channel has what it needs to deliver.
pub fn alert_channels(
    raw: &toml::Table,
    cw: &ClawwatchInputs,
    cfg_shown: Option<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(alert) = raw.get("alert").and_then(Value::as_table) else {
        return out;
    };
    for kind in CHANNEL_KINDS {
        let entries: Vec<&toml::Table> = match alert.get(*kind) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_table).collect(),
            Some(Value::Table(t)) => vec![t],
            _ => continue,
        };
        for (i, t) in entries.into_iter().enumerate() {
            let name = non_empty_str(t, "name")
                .map(str::to_string)
                .unwrap_or_else(|| format!("{kind}[{i}]"));
            let mut missing = Vec::new();
            match *kind {
                "email" => {
                    let host = non_empty_str(t, "smtp_host");
                    if host.is_none() {
                        missing.push("smtp_host is not set".into());
                    }
                    if non_empty_str(t, "from").is_none() {
                        missing.push("from is not set".into());
                    }
                    let to_ok = match t.get("to") {
                        Some(Value::Array(a)) => a
                            .iter()
                            .any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())),
                        Some(Value::String(s)) => !s.trim().is_empty(),
                        _ => false,
                    };
                    if !to_ok {
                        missing.push("to has no recipient".into());
                    }
                    match non_empty_str(t, "tls").unwrap_or("starttls") {
                        "starttls" | "tls" => {}
                        "none" => {
                            if host.is_some_and(|h| !is_loopback(h)) {
                                missing.push(
                                    "tls = \"none\" is refused for a host that is not loopback"
                                        .into(),
                                );
                            }
                        }
                        other => {
                            missing.push(format!("tls {other:?} is not one of starttls, tls, none"))
                        }
                    }
                    if non_empty_str(t, "username").is_some()
                        && non_empty_str(t, "password_file").is_none()
                        && !cw.env_smtp_password
                    {
                        missing.push(
                            "username is set but there is no password (password_file or CLAWWATCH_SMTP_PASSWORD)"
                                .into(),
                        );
                    }
                }
                "webhook" | "alertmanager" => http_url(t, "url", &mut missing),
                "ntfy" => {
                    http_url(t, "url", &mut missing);
                    if non_empty_str(t, "topic").is_none()
                        && non_empty_str(t, "topic_file").is_none()
                    {
                        missing.push("neither topic nor topic_file is set".into());
                    }
                }
                "command" => {
                    let argv: Vec<&str> = match t.get("argv") {
                        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    match argv.first() {
                        None => missing.push("argv is empty".into()),
                        Some(prog) if cw.commands.get(*prog) == Some(&false) => {
                            missing.push(format!("program {prog:?} is not found (PATH or path)"))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
            for (key, v) in t {
                if key.ends_with("_file")
                    && let Some(path) = v.as_str().map(str::trim).filter(|s| !s.is_empty())
                    && let Some(Err(why)) = cw.files.get(path)
                {
                    missing.push(format!("{key} {path}: {why}"));
                }
            }
            if !missing.is_empty() {
                out.push(
                    Finding::new(
                        "alert-channel-incomplete",
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
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        s.parse().unwrap()
    }

    #[test]
    fn incomplete_channels_are_named_with_what_is_missing() {
        let raw = table(
            r#"
[[alert.email]]
name = "ops"
smtp_host = "smtp.example.org"
tls = "none"
username = "u"
[[alert.webhook]]
name = "hook"
url = "ftp://x"
[[alert.ntfy]]
url = "https://ntfy.example.org"
topic = "t"
[[alert.command]]
name = "cmd"
argv = ["nope-not-here"]
"#,
        );
        let mut cw = ClawwatchInputs::default();
        cw.commands.insert("nope-not-here".into(), false);
        let f = alert_channels(&raw, &cw, None);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f[0].message.contains("\"ops\""));
        assert!(f[0].message.contains("from is not set"));
        assert!(f[0].message.contains("to has no recipient"));
        assert!(f[0].message.contains("tls = \"none\""));
        assert!(f[0].message.contains("no password"));
        assert!(f[1].message.contains("not an http(s) URL"));
        assert!(f[2].message.contains("not found"));
    }

    #[test]
    fn complete_channels_give_nothing() {
        let raw = table(
            r#"
[[alert.email]]
smtp_host = "127.0.0.1"
tls = "none"
from = "a@b"
to = ["c@d"]
[[alert.alertmanager]]
url = "http://127.0.0.1:9093"
"#,
        );
        assert!(alert_channels(&raw, &ClawwatchInputs::default(), None).is_empty());
    }
}
