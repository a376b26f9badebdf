//! The alert channels as clawwatch.toml writes them, read from the file
//! itself rather than the typed config, so a channel the typed config
//! rejects (an unknown key, a bad value) is still checked.

use clawwatch_core::doctor::{
    AlertChannel, ChannelFile, ChannelKind, ChannelSettings, EmailSettings, EmailTls, NtfySettings,
};
use toml::{Table, Value};

/// One `[[alert.<kind>]]` table of the file.
pub struct RawChannel<'a> {
    pub kind: ChannelKind,
    /// Its place among the tables of its kind.
    pub index: usize,
    pub table: &'a Table,
}

/// Every channel table, kind by kind (`[alert.<kind>]` counts as one;
/// entries of a list that are not tables are skipped).
pub fn raw_channels(file: &Table) -> Vec<RawChannel<'_>> {
    let Some(alert) = file.get("alert").and_then(Value::as_table) else {
        return vec![];
    };
    let mut out = Vec::new();
    for &kind in ChannelKind::ALL {
        let tables: Vec<&Table> = match alert.get(kind.as_str()) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_table).collect(),
            Some(Value::Table(t)) => vec![t],
            _ => continue,
        };
        out.extend(
            tables
                .into_iter()
                .enumerate()
                .map(|(index, table)| RawChannel { kind, index, table }),
        );
    }
    out
}

/// A string setting, trimmed; None when absent, blank or not a string.
fn setting<'a>(t: &'a Table, key: &str) -> Option<&'a str> {
    t.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn owned(t: &Table, key: &str) -> Option<String> {
    setting(t, key).map(str::to_string)
}

/// The channel as the checks see it.
pub fn typed(ch: &RawChannel<'_>) -> AlertChannel {
    let t = ch.table;
    AlertChannel {
        index: ch.index,
        name: owned(t, "name"),
        settings: settings(ch.kind, t),
        files: t
            .iter()
            .filter(|(key, _)| key.ends_with("_file"))
            .filter_map(|(key, v)| {
                let path = v.as_str().map(str::trim).filter(|s| !s.is_empty())?;
                Some(ChannelFile {
                    key: key.clone(),
                    path: path.to_string(),
                })
            })
            .collect(),
    }
}

fn settings(kind: ChannelKind, t: &Table) -> ChannelSettings {
    match kind {
        ChannelKind::Email => ChannelSettings::Email(EmailSettings {
            smtp_host: owned(t, "smtp_host"),
            from_set: setting(t, "from").is_some(),
            has_recipient: match t.get("to") {
                Some(Value::Array(a)) => a
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())),
                Some(Value::String(s)) => !s.trim().is_empty(),
                _ => false,
            },
            tls: EmailTls::from_setting(setting(t, "tls")),
            username_set: setting(t, "username").is_some(),
            password_file_set: setting(t, "password_file").is_some(),
        }),
        ChannelKind::Webhook => ChannelSettings::Webhook {
            url: owned(t, "url"),
        },
        ChannelKind::Alertmanager => ChannelSettings::Alertmanager {
            url: owned(t, "url"),
        },
        ChannelKind::Ntfy => ChannelSettings::Ntfy(NtfySettings {
            url: owned(t, "url"),
            topic_set: setting(t, "topic").is_some(),
            topic_file_set: setting(t, "topic_file").is_some(),
        }),
        ChannelKind::Command => ChannelSettings::Command {
            argv: match t.get("argv") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => vec![],
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels(text: &str) -> Vec<AlertChannel> {
        let file: Table = text.parse().expect("test TOML");
        raw_channels(&file).iter().map(typed).collect()
    }

    #[test]
    fn channels_as_written() {
        let ch = channels(
            r#"
[[alert.email]]
name = " ops "
smtp_host = " smtp.example.org "
tls = "none"
username = "u"
to = ["", "a@b"]
password_file = "/run/pw"
unknown_file = " /x "
[[alert.webhook]]
url = "ftp://x"
[alert.ntfy]
url = "https://ntfy.example.org"
topic = "  "
[[alert.command]]
name = "cmd"
argv = [1, "prog", "arg"]
"#,
        );
        assert_eq!(ch.len(), 4);
        assert_eq!(ch[0].name.as_deref(), Some("ops"));
        assert_eq!(
            ch[0].settings,
            ChannelSettings::Email(EmailSettings {
                smtp_host: Some("smtp.example.org".into()),
                from_set: false,
                has_recipient: true,
                tls: EmailTls::None,
                username_set: true,
                password_file_set: true,
            })
        );
        let files: Vec<(&str, &str)> = ch[0]
            .files
            .iter()
            .map(|f| (f.key.as_str(), f.path.as_str()))
            .collect();
        assert_eq!(
            files,
            [("password_file", "/run/pw"), ("unknown_file", "/x")]
        );
        assert_eq!(ch[1].display_name(), "webhook[0]");
        assert_eq!(
            ch[2].settings,
            ChannelSettings::Ntfy(NtfySettings {
                url: Some("https://ntfy.example.org".into()),
                topic_set: false,
                topic_file_set: false,
            })
        );
        assert_eq!(
            ch[3].settings,
            ChannelSettings::Command {
                argv: vec!["prog".into(), "arg".into()]
            }
        );
    }

    #[test]
    fn no_alert_section_no_channels() {
        assert!(channels("[metrics]\nlisten = \"\"\n").is_empty());
        assert!(channels("alert = 1\n").is_empty());
        assert!(channels("[alert]\nemail = \"x\"\n").is_empty());
    }
}
