//! clawwatch's own configuration (`clawwatch.toml`).
//!
//! Every key has a default, so `clawwatch run` works with no file. Unknown
//! keys are an error naming the key. `CLAWWATCH_<SECTION>_<KEY>` environment
//! variables override the file (`CLAWWATCH_METRICS_LISTEN=127.0.0.1:9900`,
//! `CLAWWATCH_CHECK_SCHEDULE='0 9 * * 1'`, `CLAWWATCH_STATE_DIR=…`); flags
//! override both.

pub mod alert;
pub mod doctor;
pub mod url;

use crate::schedule::{self, Schedule};
use clawwatch_core::timefmt::parse_duration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

/// clawwatch.toml as written: every key a default, unknown keys refused.
/// [`Config`] is the same, typed.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
struct ConfigFile {
    state_dir: String,
    agents: Vec<String>,
    check: CheckFile,
    metrics: MetricsFile,
    alert: alert::AlertConfig,
    heartbeat: HeartbeatConfig,
    doctor: doctor::DoctorConfig,
    openclaw: OpenclawFile,
}

/// `[openclaw]`: which release's rules apply ("" = detect).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
struct OpenclawFile {
    version: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
struct CheckFile {
    schedule: String,
    timezone: String,
    warn_within: String,
}

impl Default for CheckFile {
    fn default() -> Self {
        CheckFile {
            schedule: "*/5 * * * *".into(),
            timezone: String::new(),
            warn_within: "24h".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
struct MetricsFile {
    listen: String,
    textfile: String,
}

impl Default for MetricsFile {
    fn default() -> Self {
        MetricsFile {
            listen: DEFAULT_LISTEN.into(),
            textfile: String::new(),
        }
    }
}

/// Where /metrics is served unless the config says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9847";

/// clawwatch's configuration, every value parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The OpenClaw state dir; None = as OpenClaw resolves it.
    pub state_dir: Option<PathBuf>,
    /// Agents to check; [] = every agent found.
    pub agents: Vec<String>,
    pub check: CheckConfig,
    pub metrics: MetricsConfig,
    pub alert: alert::AlertConfig,
    pub heartbeat: HeartbeatConfig,
    pub doctor: doctor::DoctorConfig,
    /// `[openclaw] version`: the OpenClaw release whose rules apply (None:
    /// detected per home, see `sources::release`).
    pub openclaw_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckConfig {
    /// The cron schedule, in `[check] timezone`.
    pub schedule: Schedule,
    /// The `[check] timezone` setting as written (the doctor probe
    /// schedule is read in the same zone).
    pub timezone: String,
    /// Expiring threshold.
    pub warn_within: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    /// HTTP listen address for /metrics; None disables the server.
    pub listen: Option<SocketAddr>,
    /// node_exporter textfile path written by `once` and each `run` cycle.
    pub textfile: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        // The defaults are constants that parse; a test keeps them so.
        Config::try_from(ConfigFile::default()).unwrap_or_else(|e| panic!("default config: {e}"))
    }
}

fn non_empty_path(s: &str) -> Option<PathBuf> {
    (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()))
}

/// `host:port`, or "" for none; the error names `what`.
pub fn parse_listen(what: &str, text: &str) -> Result<Option<SocketAddr>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(|e| format!("{what} {text:?}: {e} (use host:port, e.g. {DEFAULT_LISTEN})"))
}

impl TryFrom<ConfigFile> for Config {
    type Error = String;

    /// Parse every value; the error names the key at fault.
    fn try_from(f: ConfigFile) -> Result<Config, String> {
        schedule::zone(&f.check.timezone).map_err(|e| format!("check.timezone: {e}"))?;
        let schedule = Schedule::parse(&f.check.schedule, &f.check.timezone)
            .map_err(|e| format!("check.schedule: {e}"))?;
        let warn_within =
            parse_duration(&f.check.warn_within).map_err(|e| format!("check.warn_within: {e}"))?;
        let listen = parse_listen("metrics.listen", &f.metrics.listen)?;
        alert::validate(&f.alert)?;
        doctor::validate(&f.doctor)?;
        let openclaw_version =
            Some(f.openclaw.version.trim().to_string()).filter(|v| !v.is_empty());
        if let Some(v) = &openclaw_version
            && clawwatch_core::openclaw::release::Release::parse(v).is_none()
        {
            return Err(format!(
                "openclaw.version {v:?}: not an OpenClaw release version (e.g. 2026.9.6, or \"\" to detect it)"
            ));
        }
        Ok(Config {
            openclaw_version,
            state_dir: non_empty_path(&f.state_dir),
            agents: f.agents,
            check: CheckConfig {
                schedule,
                timezone: f.check.timezone,
                warn_within,
            },
            metrics: MetricsConfig {
                listen,
                textfile: non_empty_path(&f.metrics.textfile),
            },
            alert: f.alert,
            heartbeat: f.heartbeat,
            doctor: f.doctor,
        })
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct HeartbeatConfig {
    /// healthchecks-style URL: GET <url>/<exit code> after each cycle.
    pub url: String,
}

/// A full commented example (`clawwatch config example`); it passes `config check`.
pub const EXAMPLE: &str = include_str!("../clawwatch.example.toml");

/// Variables that look like overrides but are not config keys.
const NOT_KEYS: &[&str] = &[
    "CLAWWATCH_CONFIG",
    "CLAWWATCH_SMTP_PASSWORD",
    "CLAWWATCH_LOG",
];

/// The default config path: $XDG_CONFIG_HOME/clawwatch/clawwatch.toml
/// (~/.config/…), else /etc/clawwatch/clawwatch.toml if that exists.
pub fn default_path(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let xdg = env
        .get("XDG_CONFIG_HOME")
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".config")));
    if let Some(x) = xdg {
        let p = x.join("clawwatch").join("clawwatch.toml");
        if p.exists() {
            return Some(p);
        }
    }
    let etc = PathBuf::from("/etc/clawwatch/clawwatch.toml");
    etc.exists().then_some(etc)
}

/// Parse one override value as TOML (numbers, booleans, arrays), else text.
fn env_value(raw: &str) -> toml::Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

/// Largest clawwatch.toml we read (a real one is a few KB).
pub const MAX_CONFIG_FILE_BYTES: u64 = 1024 * 1024;

/// Load the config: `path` (explicit: must exist) or the default location
/// (absent is fine), then `CLAWWATCH_*` overrides from `env`.
pub fn load(
    path: Option<&Path>,
    env: &BTreeMap<String, String>,
) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let path = path.map(Path::to_path_buf).or_else(|| default_path(env));
    let (text, shown) = match &path {
        Some(p) => {
            let shown = p.display().to_string();
            let text =
                crate::fsutil::read_bounded_string(p, MAX_CONFIG_FILE_BYTES).map_err(|e| {
                    ConfigError::Read {
                        path: shown.clone(),
                        reason: e.to_string(),
                    }
                })?;
            (text, shown)
        }
        None => (String::new(), "(defaults)".to_string()),
    };
    Ok((parse_str(&text, shown, env)?, path))
}

/// The config from the text of a clawwatch.toml (`shown` names it in
/// errors), then `CLAWWATCH_*` overrides from `env`.
pub fn parse_str(
    text: &str,
    shown: String,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigError> {
    let text = text.to_string();
    // The file alone first, so errors point at its lines.
    toml::from_str::<ConfigFile>(&text).map_err(|e| ConfigError::Invalid {
        path: shown.clone(),
        message: locate(&text, &e),
    })?;
    let mut table = text
        .parse::<toml::Table>()
        .map_err(|e| ConfigError::Invalid {
            path: shown.clone(),
            message: locate(&text, &e),
        })?;
    apply_env(&mut table, env)?;
    let file: ConfigFile = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid {
            path: format!("{shown} with CLAWWATCH_* overrides"),
            message: e.message().to_string(),
        })?;
    Config::try_from(file).map_err(|message| ConfigError::Invalid {
        path: shown,
        message,
    })
}

/// "line 3, [metrics] listen: invalid type…": where, never the value (a
/// config line may hold a secret).
fn locate(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    let Some(span) = e.span() else { return msg };
    let line_no = text[..span.start.min(text.len())].matches('\n').count();
    let mut section = String::new();
    let mut key = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
        }
        if i == line_no {
            if let Some((k, _)) = t.split_once('=') {
                key = k.trim().to_string();
            }
            break;
        }
    }
    let place = [section, key]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if place.is_empty() {
        format!("line {}: {msg}", line_no + 1)
    } else {
        format!("line {} ({place}): {msg}", line_no + 1)
    }
}

fn apply_env(table: &mut toml::Table, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    const TOP: &[&str] = &["state_dir", "agents"];
    const SECTIONS: &[&str] = &[
        "check",
        "metrics",
        "alert",
        "heartbeat",
        "doctor",
        "openclaw",
    ];
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix("CLAWWATCH_") else {
            continue;
        };
        if NOT_KEYS.contains(&var.as_str()) {
            continue;
        }
        let key = rest.to_lowercase();
        if TOP.contains(&key.as_str()) {
            let v = if key == "agents" {
                toml::Value::Array(
                    raw.split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.into()))
                        .collect(),
                )
            } else {
                toml::Value::String(raw.clone())
            };
            table.insert(key, v);
            continue;
        }
        let Some((section, field)) = SECTIONS.iter().find_map(|s| {
            key.strip_prefix(&format!("{s}_"))
                .map(|f| (*s, f.to_string()))
        }) else {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: format!(
                    "no such setting (expected CLAWWATCH_<SECTION>_<KEY> with a section of {}, or CLAWWATCH_STATE_DIR / CLAWWATCH_AGENTS)",
                    SECTIONS.join(", ")
                ),
            });
        };
        let sec = table
            .entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(sec) = sec.as_table_mut() else {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: format!("[{section}] is not a table in the config file"),
            });
        };
        let v = if field.ends_with("schedule") || field == "listen" || field == "url" {
            toml::Value::String(raw.clone())
        } else {
            env_value(raw)
        };
        sec.insert(field, v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_a_file() {
        let (c, p) = load(None, &env(&[("HOME", "/nonexistent")])).unwrap();
        assert!(p.is_none());
        assert_eq!(c.metrics.listen, Some("127.0.0.1:9847".parse().unwrap()));
        assert_eq!(c.check.schedule.as_str(), "*/5 * * * *");
    }

    #[test]
    fn unknown_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[metrics]\nlisten = \"127.0.0.1:1\"\nlistn = 3\n").unwrap();
        let e = load(Some(&p), &env(&[])).unwrap_err().to_string();
        assert!(e.contains("listn"), "{e}");
        std::fs::write(&p, "bogus = 1\n").unwrap();
        assert!(
            load(Some(&p), &env(&[]))
                .unwrap_err()
                .to_string()
                .contains("bogus")
        );
    }

    #[test]
    fn env_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[check]\nschedule = \"0 9 * * 1\"\n").unwrap();
        let (c, _) = load(
            Some(&p),
            &env(&[
                ("CLAWWATCH_CHECK_SCHEDULE", "*/10 * * * *"),
                ("CLAWWATCH_METRICS_LISTEN", "127.0.0.1:9999"),
                ("CLAWWATCH_STATE_DIR", "/srv/oc"),
                ("CLAWWATCH_SMTP_PASSWORD", "FAKE-ignored-here"),
            ]),
        )
        .unwrap();
        assert_eq!(c.check.schedule.as_str(), "*/10 * * * *");
        assert_eq!(c.metrics.listen, Some("127.0.0.1:9999".parse().unwrap()));
        assert_eq!(c.state_dir, Some(PathBuf::from("/srv/oc")));
        let e = load(Some(&p), &env(&[("CLAWWATCH_METRICS_LISTN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("listn"), "{e}");
        let e = load(Some(&p), &env(&[("CLAWWATCH_NOPE", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CLAWWATCH_NOPE"), "{e}");
    }

    #[test]
    fn the_example_is_valid_and_equals_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, EXAMPLE).unwrap();
        let (c, _) = load(Some(&p), &env(&[])).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn bad_values_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[check]\nschedule = \"61 * * * *\"\n").unwrap();
        assert!(
            load(Some(&p), &env(&[]))
                .unwrap_err()
                .to_string()
                .contains("check.schedule")
        );
        std::fs::write(&p, "[metrics]\nlisten = \"nowhere\"\n").unwrap();
        assert!(
            load(Some(&p), &env(&[]))
                .unwrap_err()
                .to_string()
                .contains("metrics.listen")
        );
        std::fs::write(&p, "[check\n").unwrap();
        assert!(load(Some(&p), &env(&[])).is_err());
    }
}
