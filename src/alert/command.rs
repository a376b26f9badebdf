//! Command: run a program (argv, no shell) per notice, e.g.
//! `termux-notification --id {key} --title {title} --content {message}`.
//! Placeholders `{title}`, `{message}`, `{severity}`, `{status}`,
//! `{agent}`, `{provider}`, `{profile}`, `{state}`, `{expires_at}`,
//! `{remediation}`, `{key}`, `{id}`, `{host}`, … are replaced inside each
//! argument; every field is also in the environment as `CLAWWATCH_<FIELD>`.
//! Inherited `CLAWWATCH_*` variables (the SMTP password among them) are
//! removed first. Exit status 0 = accepted.

use super::channel::{Channel, SendError};
use super::config::CommandConfig;
use super::message::{Ctx, fields};
use clawwatch_core::alert::{Notification, Severity};
use std::io::Read;
use std::process::{Command, Stdio};
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
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("CLAWWATCH_") {
                cmd.env_remove(&k);
            }
        }
        for (k, v) in &f {
            cmd.env(format!("CLAWWATCH_{}", k.to_uppercase()), v);
        }
        let mut child = cmd.spawn().map_err(|e| {
            let msg = format!("cannot run {}: {e}", argv[0]);
            if e.kind() == std::io::ErrorKind::NotFound {
                SendError::permanent(msg)
            } else {
                SendError::transient(msg)
            }
        })?;
        // Read stderr on a thread so a chatty program cannot block on a full pipe.
        let mut stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(64 * 1024).read_to_end(&mut buf);
                let _ = std::io::copy(s, &mut std::io::sink());
            }
            buf
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break Ok(s),
                Ok(None) if start.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!(
                        "{} did not finish within {:?}; killed",
                        argv[0], self.timeout
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => break Err(format!("waiting for {}: {e}", argv[0])),
            }
        };
        let err = reader.join().unwrap_or_default();
        let status = status.map_err(SendError::transient)?;
        if status.success() {
            Ok(())
        } else {
            let tail = String::from_utf8_lossy(&err);
            let tail: String = tail
                .trim()
                .chars()
                .rev()
                .take(300)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Err(SendError::transient(format!(
                "{} exited with {status}{}",
                argv[0],
                if tail.is_empty() {
                    String::new()
                } else {
                    format!(": {tail}")
                }
            )))
        }
    }
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
