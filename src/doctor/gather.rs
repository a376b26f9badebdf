//! The imperative shell of doctor: everything the pure checks need from the
//! host, read without creating, modifying or touching any file (metadata,
//! reads, `access(2)`, a bind test of the metrics port and, with `--probe`,
//! the network).

use super::{
    ClawwatchInputs, DirCheck, DoctorInputs, PortCheck, PortState, ShellExport, SystemdUnit,
};
use crate::config::{Config, ConfigError};
use crate::sources::{HostEnv, dotenv, state_dir};
use clawwatch_core::model::{ConfigRead, Report, Snapshot};
use clawwatch_core::openclaw::agents::AGENT_DB;
use clawwatch_core::openclaw::env as env_keys;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Small text files only (units, profiles, env files).
const MAX_TEXT: u64 = 1024 * 1024;

pub struct Options<'a> {
    /// `--config FILE`.
    pub config_arg: Option<&'a Path>,
    /// `config::load`'s answer for it.
    pub loaded: &'a Result<(Config, Option<PathBuf>), ConfigError>,
    pub probe: bool,
    pub doctor: &'a super::config::DoctorConfig,
    /// Inside `clawwatch run`/`once`: the metrics port is this process's own
    /// (not checked) and the SMTP servers are not probed.
    pub in_agent: bool,
}

fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_TEXT {
        return None;
    }
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `access(2)`: may this process read/write/search the path? (Honours root,
/// ACLs and read-only mounts, unlike mode bits.)
fn access(path: &Path, mode: libc::c_int) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c.as_ptr(), mode) == 0 }
}

/// Whether clawwatch could write files in `dir` (creating it if missing),
/// decided without creating anything.
pub fn dir_writable(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err("it exists but is not a directory".into()),
        Ok(_) => {
            if access(dir, libc::W_OK | libc::X_OK) {
                Ok(())
            } else {
                Err("permission denied for this user".into())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // It would be created: the nearest existing ancestor decides.
            let mut cur = dir.parent();
            while let Some(p) = cur {
                match std::fs::metadata(p) {
                    Ok(m) if m.is_dir() => {
                        return if access(p, libc::W_OK | libc::X_OK) {
                            Ok(())
                        } else {
                            Err(format!(
                                "it does not exist and cannot be created ({} is not writable)",
                                p.display()
                            ))
                        };
                    }
                    Ok(_) => {
                        return Err(format!(
                            "it cannot be created: {} is not a directory",
                            p.display()
                        ));
                    }
                    Err(_) => cur = p.parent(),
                }
            }
            Err("it does not exist".into())
        }
        Err(e) => Err(crate::sources::files::io_reason(&e)),
    }
}

/// `Environment=` assignments of a systemd unit: (name, value).
pub fn unit_environment(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("Environment=") else {
            continue;
        };
        // Words separated by spaces; double quotes group.
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for c in rest.chars() {
            match c {
                '"' => quoted = !quoted,
                c if c.is_whitespace() && !quoted => {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            words.push(cur);
        }
        for w in words {
            if let Some((k, v)) = w.split_once('=') {
                out.push((k.to_string(), v.to_string()));
            }
        }
    }
    out
}

/// `EnvironmentFile=` paths of a unit (`-` prefix and `%h` handled).
pub fn unit_environment_files(text: &str, home: &Path) -> Vec<PathBuf> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("EnvironmentFile="))
        .map(|v| v.trim().trim_start_matches('-'))
        .filter(|v| !v.is_empty())
        .map(|v| PathBuf::from(v.replace("%h", &home.to_string_lossy())))
        .collect()
}

/// Credential variables a shell profile exports with a value (names only).
pub fn shell_exports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let valued = |v: &str| {
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        !v.is_empty()
    };
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let Some(first) = words.first() else { continue };
        let mut names = Vec::new();
        match *first {
            "export" | "declare" | "typeset" => {
                let exported = *first == "export"
                    || words.iter().any(|w| w.starts_with('-') && w.contains('x'));
                if exported {
                    for w in &words[1..] {
                        if let Some((k, v)) = w.split_once('=')
                            && valued(v)
                        {
                            names.push(k.to_string());
                        }
                    }
                }
            }
            // fish: set -x NAME value / set -gx NAME value
            "set"
                if words.len() >= 4
                    && words[1].starts_with('-')
                    && words[1].contains('x')
                    && valued(words[3]) =>
            {
                names.push(words[2].to_string());
            }
            "setenv" if words.len() >= 3 && valued(words[2]) => {
                names.push(words[1].to_string());
            }
            _ => {}
        }
        out.extend(names.into_iter().filter(|n| env_keys::is_credential_var(n)));
    }
    out
}

fn env_file_names(path: &Path, out: &mut BTreeSet<String>) {
    if let Some(text) = read_small(path) {
        for (k, v) in dotenv::parse(&text) {
            if !v.is_blank() {
                out.insert(k);
            }
        }
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn gateway(snap: &Snapshot, host: &HostEnv, inputs: &mut DoctorInputs) {
    let os_home = state_dir::os_home(host);
    let base = match host.non_blank("OPENCLAW_SYSTEMD_UNIT") {
        Some(u) => u.trim_end_matches(".service").to_string(),
        None => match host.non_blank("OPENCLAW_PROFILE") {
            Some(p) if !p.eq_ignore_ascii_case("default") => format!("openclaw-gateway-{p}"),
            _ => "openclaw-gateway".to_string(),
        },
    };
    let unit_dir = os_home.join(".config").join("systemd").join("user");
    let found = [base.as_str(), "clawdbot-gateway"]
        .into_iter()
        .find_map(|n| {
            let p = unit_dir.join(format!("{n}.service"));
            read_small(&p).map(|t| (p, format!("{n}.service"), t))
        });
    let Some((path, name, text)) = found else {
        return;
    };
    let mut names = BTreeSet::new();
    let mut import = false;
    for (k, v) in unit_environment(&text) {
        if k == "OPENCLAW_LOAD_SHELL_ENV" && truthy(&v) {
            import = true;
        }
        if !v.trim().is_empty() {
            names.insert(k);
        }
    }
    for f in unit_environment_files(&text, &os_home) {
        env_file_names(&f, &mut names);
    }
    let paths = &snap.paths;
    env_file_names(&paths.dotenv, &mut names);
    env_file_names(&paths.home.join(".config/openclaw/gateway.env"), &mut names);
    env_file_names(&paths.state_dir.join("gateway.systemd.env"), &mut names);
    if let ConfigRead::Loaded(c) = &snap.config {
        names.extend(
            c.env_vars
                .iter()
                .filter(|(_, v)| !v.is_blank())
                .map(|(k, _)| k.clone()),
        );
    }
    // env.shellEnv.enabled in openclaw.json turns the login-shell import on.
    if let Some(text) = read_small(&paths.config_path)
        && let Ok(v) = json5::from_str::<serde_json::Value>(&text)
        && v.pointer("/env/shellEnv/enabled") == Some(&serde_json::Value::Bool(true))
    {
        import = true;
    }
    for f in [
        ".profile",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".zlogin",
        ".config/fish/config.fish",
    ] {
        let p = os_home.join(f);
        if let Some(text) = read_small(&p) {
            for var in shell_exports(&text) {
                inputs.shell_exports.push(ShellExport {
                    path: p.clone(),
                    var,
                });
            }
        }
    }
    inputs.gateway_unit = Some(SystemdUnit { path, name });
    inputs.gateway_env_names = names;
    inputs.shell_env_import = import;
}

fn file_modes(snap: &Snapshot) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let p = &snap.paths;
    let mut cands: Vec<PathBuf> = vec![
        p.state_db.clone(),
        PathBuf::from(format!("{}-wal", p.state_db.display())),
        p.main_agent_dir.join(AGENT_DB),
        p.dotenv.clone(),
        p.home.join(".config/openclaw/gateway.env"),
        p.state_dir.join("gateway.systemd.env"),
        p.config_path.clone(),
    ];
    for a in &snap.agents {
        cands.push(a.dir.join(AGENT_DB));
        cands.extend(a.legacy.iter().map(|l| l.path.clone()));
    }
    if let Some(c) = &snap.claude_code {
        cands.push(c.path.clone());
    }
    let mut seen = BTreeSet::new();
    cands
        .into_iter()
        .filter(|c| seen.insert(c.clone()))
        .filter_map(|c| {
            let m = std::fs::metadata(&c).ok()?;
            m.is_file().then(|| (c, m.permissions().mode()))
        })
        .collect()
}

// ------------------------------------------------------------ clawwatch

fn expand(p: &str, host: &HostEnv) -> PathBuf {
    state_dir::expand(p, &state_dir::os_home(host), &host.cwd)
}

fn find_program(prog: &str, host: &HostEnv) -> bool {
    let exec = |p: &Path| p.is_file() && access(p, libc::X_OK);
    if prog.contains('/') {
        return exec(&expand(prog, host));
    }
    host.vars
        .get("PATH")
        .map(|path| {
            path.split(':')
                .filter(|d| !d.is_empty())
                .any(|d| exec(&Path::new(d).join(prog)))
        })
        .unwrap_or(false)
}

fn is_ours(addr: SocketAddr) -> bool {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let Ok(mut s) = TcpStream::connect_timeout(&target, Duration::from_millis(300)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
    if s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.take(1024 * 1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.contains("clawwatch_build_info") || text.contains("openclaw_auth_check_status")
}

/// Can `clawwatch run` listen on this address? A bind test (no file is
/// touched); when taken, ask whether a clawwatch already serves there.
pub fn check_port(listen: &str) -> Option<PortCheck> {
    let listen = listen.trim();
    if listen.is_empty() {
        return None;
    }
    let addr: SocketAddr = listen.parse().ok()?;
    if addr.port() == 0 {
        return None;
    }
    let state = match TcpListener::bind(addr) {
        Ok(l) => {
            drop(l);
            PortState::Free
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            if is_ours(addr) {
                PortState::Ours
            } else {
                PortState::InUse("the address is already in use by another program".into())
            }
        }
        Err(e) => PortState::InUse(e.to_string()),
    };
    Some(PortCheck {
        addr: listen.to_string(),
        state,
    })
}

/// `--probe`: does the SMTP server answer EHLO? (Plain SMTP up to EHLO;
/// with implicit TLS only the TCP connection is tested.)
pub fn smtp_ehlo(
    host: &str,
    port: u16,
    implicit_tls: bool,
    timeout: Duration,
) -> Result<String, String> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    let s =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("cannot connect: {e}"))?;
    if implicit_tls {
        return Ok("TCP connection accepted; implicit TLS not tested".into());
    }
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(timeout));
    let mut w = s.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(s);
    let reply = |r: &mut BufReader<TcpStream>| -> Result<String, String> {
        let mut first = String::new();
        for _ in 0..100 {
            let mut line = String::new();
            let n = r
                .read_line(&mut line)
                .map_err(|e| format!("no answer: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            if first.is_empty() {
                first = line.trim().to_string();
            }
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return Ok(first);
            }
        }
        Err("endless multi-line reply".into())
    };
    let greeting = reply(&mut r)?;
    if !greeting.starts_with("220") {
        return Err(format!("greeting {greeting:?}"));
    }
    w.write_all(b"EHLO clawwatch-doctor\r\n")
        .map_err(|e| e.to_string())?;
    let ehlo = reply(&mut r)?;
    let _ = w.write_all(b"QUIT\r\n");
    if ehlo.starts_with("250") {
        Ok(ehlo)
    } else {
        Err(format!("EHLO answered {ehlo:?}"))
    }
}

fn clawwatch(host: &HostEnv, o: &Options<'_>) -> ClawwatchInputs {
    let mut cw = ClawwatchInputs {
        env_smtp_password: host.non_blank("CLAWWATCH_SMTP_PASSWORD").is_some(),
        ..Default::default()
    };
    cw.config_path = match o.loaded {
        Ok((_, p)) => p.clone(),
        Err(_) => o
            .config_arg
            .map(Path::to_path_buf)
            .or_else(|| crate::config::default_path(&host.vars)),
    };
    if let Err(e) = o.loaded {
        cw.config_error = Some(e.to_string());
    }
    cw.raw = cw
        .config_path
        .as_deref()
        .and_then(read_small)
        .and_then(|t| t.parse::<toml::Table>().ok());
    if let Ok((cfg, _)) = o.loaded {
        let os_home = state_dir::os_home(host);
        let (dir, setting) = if cfg.alert.state_file.trim().is_empty() {
            let base = host
                .non_blank("XDG_STATE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| os_home.join(".local").join("state"));
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
        cw.state_dir = Some(DirCheck {
            result: dir_writable(&dir),
            dir,
            setting,
        });
        if let Some(textfile) = &cfg.metrics.textfile {
            let f = expand(&textfile.to_string_lossy(), host);
            let dir = f.parent().map(Path::to_path_buf).unwrap_or(f);
            // The textfile is written in place: the directory must exist.
            let result = if dir.is_dir() {
                dir_writable(&dir)
            } else if dir.exists() {
                Err("it exists but is not a directory".into())
            } else {
                Err("it does not exist (clawwatch does not create it)".into())
            };
            cw.textfile_dir = Some(DirCheck {
                dir,
                result,
                setting: "[metrics] textfile",
            });
        }
        if !o.in_agent {
            let listen = cfg.metrics.listen.map(|a| a.to_string());
            cw.metrics_port = check_port(listen.as_deref().unwrap_or(""));
        }
    }
    // Alert channels: files they name, programs they run, and (--probe) SMTP.
    if let Some(alert) = cw
        .raw
        .as_ref()
        .and_then(|r| r.get("alert"))
        .and_then(|a| a.as_table())
    {
        for kind in super::deploy::CHANNEL_KINDS {
            let entries: Vec<&toml::Table> = match alert.get(*kind) {
                Some(toml::Value::Array(items)) => {
                    items.iter().filter_map(|v| v.as_table()).collect()
                }
                Some(toml::Value::Table(t)) => vec![t],
                _ => continue,
            };
            for (i, t) in entries.into_iter().enumerate() {
                for (key, v) in t {
                    if key.ends_with("_file")
                        && let Some(s) = v.as_str().map(str::trim).filter(|s| !s.is_empty())
                    {
                        let p = expand(s, host);
                        let r = match std::fs::metadata(&p) {
                            Ok(m) if !m.is_file() => Err("not a file".to_string()),
                            Ok(_) if !access(&p, libc::R_OK) => {
                                Err("not readable by this user".into())
                            }
                            Ok(_) => Ok(()),
                            Err(e) => Err(crate::sources::files::io_reason(&e)),
                        };
                        cw.files.insert(s.to_string(), r);
                    }
                }
                if *kind == "command"
                    && let Some(prog) = t
                        .get("argv")
                        .and_then(|a| a.as_array())
                        .and_then(|a| a.first())
                        .and_then(|p| p.as_str())
                {
                    cw.commands
                        .insert(prog.to_string(), find_program(prog, host));
                }
                if *kind == "email"
                    && o.probe
                    && !o.in_agent
                    && let Some(h) = t
                        .get("smtp_host")
                        .and_then(|h| h.as_str())
                        .filter(|h| !h.trim().is_empty())
                {
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
                    let name = t
                        .get("name")
                        .and_then(|n| n.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("email[{i}]"));
                    let result = smtp_ehlo(h.trim(), port, tls == "tls", Duration::from_secs(5));
                    cw.smtp_probes
                        .push((name, format!("{}:{port}", h.trim()), result));
                }
            }
        }
    }
    cw
}

/// Gather every input. Reads only.
pub fn gather(snap: &Snapshot, report: &Report, host: &HostEnv, o: Options<'_>) -> DoctorInputs {
    let mut inputs = DoctorInputs {
        state_dir_exists: snap.paths.state_dir.is_dir(),
        file_modes: file_modes(snap),
        ..Default::default()
    };
    gateway(snap, host, &mut inputs);
    inputs.clawwatch = clawwatch(host, &o);
    if o.probe {
        let targets = super::probe::plan(snap, report, &o.doctor.base_urls);
        inputs.probes = Some(super::probe::execute(&targets, Duration::from_secs(10)));
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_profile_exports() {
        let text = r#"
# export ANTHROPIC_API_KEY=commented
export ANTHROPIC_API_KEY=sk-ant-api03-FAKE
export PATH=$PATH:/x OPENAI_API_KEY="sk-FAKE"
export EMPTY_API_KEY=""
declare -x XAI_API_KEY=FAKE
set -gx GEMINI_API_KEY FAKE
setenv OPENROUTER_API_KEY FAKE
MISTRAL_API_KEY=notexported
"#;
        assert_eq!(
            shell_exports(text),
            vec![
                "ANTHROPIC_API_KEY",
                "OPENAI_API_KEY",
                "XAI_API_KEY",
                "GEMINI_API_KEY",
                "OPENROUTER_API_KEY"
            ]
        );
    }

    #[test]
    fn unit_environment_lines() {
        let t = "[Service]\nEnvironment=\"A=1\" B=2\nEnvironment=OPENCLAW_LOAD_SHELL_ENV=1\nEnvironmentFile=-%h/.openclaw/.env\n";
        let env = unit_environment(t);
        assert_eq!(env[0], ("A".into(), "1".into()));
        assert_eq!(env[1], ("B".into(), "2".into()));
        assert_eq!(env[2].0, "OPENCLAW_LOAD_SHELL_ENV");
        assert_eq!(
            unit_environment_files(t, Path::new("/h")),
            vec![PathBuf::from("/h/.openclaw/.env")]
        );
    }

    #[test]
    fn writability_without_creating() {
        let d = tempfile::tempdir().unwrap();
        assert!(dir_writable(d.path()).is_ok());
        assert!(dir_writable(&d.path().join("a/b/c")).is_ok());
        assert!(!d.path().join("a").exists(), "nothing created");
        let f = d.path().join("file");
        std::fs::write(&f, "x").unwrap();
        assert!(dir_writable(&f).is_err());
        assert!(dir_writable(&f.join("sub")).is_err());
    }

    #[test]
    fn port_check_sees_a_taken_port() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        // Nobody answers HTTP on it: not ours.
        std::thread::spawn(move || {
            if let Ok((s, _)) = l.accept() {
                drop(s);
            }
        });
        assert!(matches!(
            check_port(&addr).unwrap().state,
            PortState::InUse(_)
        ));
        assert_eq!(check_port(""), None);
    }
}
