//! Command: run a program (argv, no shell) per notice, e.g.
//! `termux-notification --id {key} --title {title} --content {message}`.
//! Placeholders `{title}`, `{message}`, `{severity}`, `{status}`,
//! `{agent}`, `{provider}`, `{profile}`, `{state}`, `{expires_at}`,
//! `{remediation}`, `{key}`, `{id}`, `{host}`, … are replaced inside each
//! argument; every field is also in the environment as `CLAWWATCH_<FIELD>`.
//! Inherited `CLAWWATCH_*` variables (the SMTP password among them) are
//! removed first. Exit status 0 = accepted.

use super::channel::{Channel, SendError};
use super::message::{Ctx, fields};
use crate::config::alert::CommandConfig;
use clawwatch_core::alert::{Notification, Severity};
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct CommandChannel {
    name: String,
    min_severity: Severity,
    argv: Vec<String>,
    timeout: Duration,
}

/// Replace `{field}` placeholders in one argument (one pass: values are
/// never re-expanded).
pub fn expand(arg: &str, fields: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) if fields.iter().any(|(k, _)| *k == &after[..j]) => {
                let name = &after[..j];
                let v = fields
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.as_str());
                out.push_str(v.unwrap_or_default());
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl CommandChannel {
    pub fn new(cfg: &CommandConfig) -> Result<CommandChannel, String> {
        if cfg.argv.first().is_none_or(|p| p.trim().is_empty()) {
            return Err("argv needs at least the program".into());
        }
        Ok(CommandChannel {
            name: cfg.name.clone(),
            min_severity: cfg.min_severity,
            argv: cfg.argv.clone(),
            timeout: cfg.timeout,
        })
    }
}

impl Channel for CommandChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "command"
    }

    fn min_severity(&self) -> Severity {
        self.min_severity
    }

    fn send(&self, n: &Notification, ctx: &Ctx) -> Result<(), SendError> {
        let f = fields(n, ctx);
        let argv: Vec<String> = self.argv.iter().map(|a| expand(a, &f)).collect();
        let Some((program, args)) = argv.split_first() else {
            return Err(SendError::permanent("argv needs at least the program"));
        };
        let mut child = spawn(program, args, &f)?;
        let reader = drain_stderr(&mut child);
        let status = wait(&mut child, program, self.timeout);
        let err = reader.join().unwrap_or_default();
        let status = status.map_err(SendError::transient)?;
        if status.success() {
            return Ok(());
        }
        let tail = tail(&err);
        Err(SendError::transient(format!(
            "{program} exited with {status}{}",
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        )))
    }
}

/// Start the program with the notice's fields as `CLAWWATCH_*` variables
/// (inherited ones removed first). A program that is not there is a
/// permanent failure.
fn spawn(
    program: &str,
    args: &[String],
    fields: &[(&'static str, String)],
) -> Result<Child, SendError> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CLAWWATCH_") {
            cmd.env_remove(&k);
        }
    }
    for (k, v) in fields {
        cmd.env(format!("CLAWWATCH_{}", k.to_uppercase()), v);
    }
    cmd.spawn().map_err(|e| {
        let msg = format!("cannot run {program}: {e}");
        if e.kind() == std::io::ErrorKind::NotFound {
            SendError::permanent(msg)
        } else {
            SendError::transient(msg)
        }
    })
}

/// Read stderr on a thread so a chatty program cannot block on a full
/// pipe; the first 64 KiB are kept.
fn drain_stderr(child: &mut Child) -> std::thread::JoinHandle<Vec<u8>> {
    let mut stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 * 1024).read_to_end(&mut buf);
            let _ = std::io::copy(s, &mut std::io::sink());
        }
        buf
    })
}

/// Wait for the program, killing it after `timeout`.
fn wait(child: &mut Child, program: &str, timeout: Duration) -> Result<ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Ok(s),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} did not finish within {timeout:?}; killed"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    }
}

/// The last 300 characters of what the program wrote to stderr.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let last: Vec<char> = text.trim().chars().rev().take(300).collect();
    last.into_iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_once() {
        let f = vec![
            ("title", "T {message}".to_string()),
            ("message", "M".to_string()),
        ];
        assert_eq!(expand("--title={title}", &f), "--title=T {message}");
        assert_eq!(expand("{message}/{nope}/{", &f), "M/{nope}/{");
    }
}
