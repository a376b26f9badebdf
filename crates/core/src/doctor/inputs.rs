//! What the shell gathers from the host for the pure checks, as plain
//! data: file modes, the gateway's systemd unit, shell profiles,
//! clawwatch's own deployment (its config file's alert channels, the
//! directories it writes, its metrics port) and the probes' answers.

use super::probe::ProbeResult;
use crate::model::words;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Everything the checks need beyond the snapshot and its report.
#[derive(Debug, Clone, Default)]
pub struct DoctorInputs {
    pub state_dir_exists: bool,
    /// Existing files that can hold credentials, with their permission bits.
    pub file_modes: Vec<FileMode>,
    /// The gateway's systemd user unit, when installed.
    pub gateway_unit: Option<SystemdUnit>,
    /// Variable names the gateway service gets without a shell: the state
    /// dir's `.env`, `gateway.env`, `gateway.systemd.env`, the unit's
    /// `Environment=`/`EnvironmentFile=`, config `env.vars`.
    pub gateway_env_names: BTreeSet<String>,
    /// OpenClaw imports the login shell's environment (`env.shellEnv.enabled`
    /// or `OPENCLAW_LOAD_SHELL_ENV=1`).
    pub shell_env_import: bool,
    /// Credential variables exported by shell profiles (names only).
    pub shell_exports: Vec<ShellExport>,
    pub clawwatch: ClawwatchInputs,
    /// The probe's answers; None when not probing.
    pub probes: Option<Vec<ProbeResult>>,
}

/// An existing file that can hold credentials and its mode bits.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMode {
    pub path: PathBuf,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SystemdUnit {
    pub path: PathBuf,
    pub name: String,
}

/// A credential variable a shell profile exports (the name, never the value).
#[derive(Debug, Clone, PartialEq)]
pub struct ShellExport {
    pub path: PathBuf,
    pub var: String,
}

/// clawwatch's own deployment as the shell found it.
#[derive(Debug, Clone, Default)]
pub struct ClawwatchInputs {
    /// The config file in effect (explicit `--config` or the default path).
    pub config_path: Option<PathBuf>,
    /// Why the config is invalid (its loader's words), when it is.
    pub config_error: Option<String>,
    /// The alert channels as the config file itself writes them (read from
    /// the file, not the typed config, so a channel the typed config
    /// rejects is still checked).
    pub channels: Vec<AlertChannel>,
    pub state_dir: Option<DirCheck>,
    pub textfile_dir: Option<DirCheck>,
    /// Readability of every `*_file` an alert channel names, by the path as
    /// written (trimmed).
    pub files: BTreeMap<String, Result<(), String>>,
    /// Whether each `[[alert.command]]` program was found, by name.
    pub commands: BTreeMap<String, bool>,
    /// `CLAWWATCH_SMTP_PASSWORD` is set.
    pub env_smtp_password: bool,
    pub metrics_port: Option<PortCheck>,
    /// `--probe`: each email channel's SMTP server.
    pub smtp_probes: Vec<SmtpProbe>,
}

/// A directory clawwatch must write to.
#[derive(Debug, Clone, PartialEq)]
pub struct DirCheck {
    pub dir: PathBuf,
    /// Why it is not writable (or cannot be created).
    pub result: Result<(), String>,
    /// The setting that names it (for the fix).
    pub setting: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PortState {
    Free,
    /// Another clawwatch already serves /metrics there.
    Ours,
    InUse(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortCheck {
    pub addr: String,
    pub state: PortState,
}

/// One email channel's SMTP server asked for EHLO.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpProbe {
    /// The channel's name as the config writes it (`email[<n>]` when none).
    pub channel: String,
    /// `host:port`.
    pub addr: String,
    /// The EHLO answer, or why there was none.
    pub answer: Result<String, String>,
}

// ------------------------------------------------------------ alert channels

/// The kinds of `[[alert.<kind>]]` doctor checks, in the order it checks
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKind {
    Email,
    Webhook,
    Ntfy,
    Alertmanager,
    Command,
}

words!(ChannelKind {
    Email => "email",
    Webhook => "webhook",
    Ntfy => "ntfy",
    Alertmanager => "alertmanager",
    Command => "command",
});

/// One `[[alert.<kind>]]` table as written. String settings are trimmed
/// and None when absent, blank or not a string.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertChannel {
    /// Its place among the tables of its kind.
    pub index: usize,
    /// `name`, when set.
    pub name: Option<String>,
    pub settings: ChannelSettings,
    /// Every `*_file` key with a path, known to the typed config or not,
    /// in the file's key order.
    pub files: Vec<ChannelFile>,
}

/// A `*_file` key of a channel and the path it names (trimmed).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFile {
    pub key: String,
    pub path: String,
}

/// What each kind of channel needs to deliver.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelSettings {
    Email(EmailSettings),
    Webhook {
        url: Option<String>,
    },
    Ntfy(NtfySettings),
    Alertmanager {
        url: Option<String>,
    },
    /// `argv`'s string elements, as written.
    Command {
        argv: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailSettings {
    pub smtp_host: Option<String>,
    pub from_set: bool,
    /// `to` names at least one recipient (a non-blank string, or a list
    /// holding one).
    pub has_recipient: bool,
    pub tls: EmailTls,
    pub username_set: bool,
    pub password_file_set: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NtfySettings {
    pub url: Option<String>,
    pub topic_set: bool,
    pub topic_file_set: bool,
}

/// `tls` of an email channel.
#[derive(Debug, Clone, PartialEq)]
pub enum EmailTls {
    Starttls,
    Tls,
    None,
    /// Anything else, as written.
    Other(String),
}

impl EmailTls {
    /// From the setting (trimmed; None when absent or blank: the default
    /// `starttls`).
    pub fn from_setting(value: Option<&str>) -> Self {
        match value.unwrap_or("starttls") {
            "starttls" => EmailTls::Starttls,
            "tls" => EmailTls::Tls,
            "none" => EmailTls::None,
            other => EmailTls::Other(other.to_string()),
        }
    }
}

impl AlertChannel {
    pub fn kind(&self) -> ChannelKind {
        match self.settings {
            ChannelSettings::Email(_) => ChannelKind::Email,
            ChannelSettings::Webhook { .. } => ChannelKind::Webhook,
            ChannelSettings::Ntfy(_) => ChannelKind::Ntfy,
            ChannelSettings::Alertmanager { .. } => ChannelKind::Alertmanager,
            ChannelSettings::Command { .. } => ChannelKind::Command,
        }
    }

    /// Its name, or `<kind>[<index>]` when it has none.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("{}[{}]", self.kind(), self.index),
        }
    }
}
