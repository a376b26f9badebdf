//! clawwatch's own deployment: its config file, the directories it
//! writes, its metrics port, and what its alert channels name (files,
//! programs and, with `--probe`, SMTP servers).

use super::channels::{RawChannel, raw_channels, typed};
use super::files::{
    dir_writable, existing_dir_writable, expand, file_readable, find_program, read_small,
};
use super::net::{check_port, smtp_ehlo};
use super::options::Options;
use crate::config::Config;
use crate::sources::{HostEnv, state_dir};
use clawwatch_core::doctor::{ChannelKind, ClawwatchInputs, DirCheck, SmtpProbe};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn gather(host: &HostEnv, o: &Options<'_>) -> ClawwatchInputs {
    let mut cw = ClawwatchInputs {
        env_smtp_password: host.non_blank("CLAWWATCH_SMTP_PASSWORD").is_some(),
        config_path: config_path(host, o),
        config_error: o.loaded.as_ref().err().map(|e| e.to_string()),
        ..Default::default()
    };
    if let Ok((cfg, _)) = o.loaded {
        cw.state_dir = Some(state_dir_check(cfg, host));
        cw.textfile_dir = textfile_dir_check(cfg, host);
        if !o.in_agent {
            cw.metrics_port = cfg.metrics.listen.and_then(check_port);
        }
    }
    let file = cw
        .config_path
        .as_deref()
        .and_then(read_small)
        .and_then(|t| t.parse::<toml::Table>().ok());
    if let Some(file) = &file {
        channels(file, host, o.probe && !o.in_agent, &mut cw);
    }
    cw
}

/// The config file in effect: the one loaded, else the one asked for or
/// the default path.
fn config_path(host: &HostEnv, o: &Options<'_>) -> Option<PathBuf> {
    match o.loaded {
        Ok((_, p)) => p.clone(),
        Err(_) => o
            .config_arg
            .map(Path::to_path_buf)
            .or_else(|| crate::config::default_path(&host.vars)),
    }
}

/// The alert state's directory (created when missing).
fn state_dir_check(cfg: &Config, host: &HostEnv) -> DirCheck {
    let (dir, setting) = if cfg.alert.state_file.trim().is_empty() {
        let base = host
            .non_blank("XDG_STATE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| state_dir::os_home(host).join(".local").join("state"));
        (
            base.join("clawwatch"),
            "[alert] state_file (default $XDG_STATE_HOME/clawwatch)",
        )
    } else {
        let f = expand(cfg.alert.state_file.trim(), host);
        (
            f.parent().map(Path::to_path_buf).unwrap_or(f),
            "[alert] state_file",
        )
    };
    DirCheck {
        result: dir_writable(&dir),
        dir,
        setting,
    }
}

/// The textfile's directory, when a textfile is configured.
fn textfile_dir_check(cfg: &Config, host: &HostEnv) -> Option<DirCheck> {
    let textfile = cfg.metrics.textfile.as_ref()?;
    let f = expand(&textfile.to_string_lossy(), host);
    let dir = f.parent().map(Path::to_path_buf).unwrap_or(f);
    Some(DirCheck {
        result: existing_dir_writable(&dir),
        dir,
        setting: "[metrics] textfile",
    })
}

/// The channels, the files they name, the programs they run and (when
/// `probe_smtp`) whether their SMTP servers answer.
fn channels(file: &toml::Table, host: &HostEnv, probe_smtp: bool, cw: &mut ClawwatchInputs) {
    for ch in raw_channels(file) {
        for (key, v) in ch.table {
            if key.ends_with("_file")
                && let Some(s) = v.as_str().map(str::trim).filter(|s| !s.is_empty())
            {
                cw.files
                    .insert(s.to_string(), file_readable(&expand(s, host)));
            }
        }
        if ch.kind == ChannelKind::Command
            && let Some(prog) = ch
                .table
                .get("argv")
                .and_then(|a| a.as_array())
                .and_then(|a| a.first())
                .and_then(|p| p.as_str())
        {
            cw.commands
                .insert(prog.to_string(), find_program(prog, host));
        }
        if ch.kind == ChannelKind::Email && probe_smtp {
            cw.smtp_probes.extend(smtp_probe(&ch));
        }
        cw.channels.push(typed(&ch));
    }
}

/// EHLO to an email channel's server (as the channel would connect).
fn smtp_probe(ch: &RawChannel<'_>) -> Option<SmtpProbe> {
    let t = ch.table;
    let host = t
        .get("smtp_host")
        .and_then(|h| h.as_str())
        .map(str::trim)
        .filter(|h| !h.is_empty())?;
    let tls = t.get("tls").and_then(|v| v.as_str()).unwrap_or("starttls");
    let port = t
        .get("smtp_port")
        .and_then(|p| p.as_integer())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(match tls {
            "tls" => 465,
            "none" => 25,
            _ => 587,
        });
    let channel = t
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("email[{}]", ch.index));
    Some(SmtpProbe {
        channel,
        addr: format!("{host}:{port}"),
        answer: smtp_ehlo(host, port, tls == "tls", Duration::from_secs(5)),
    })
}
