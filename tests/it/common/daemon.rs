//! `clawwatch run` as a process on a temp home: its stderr log collected
//! line by line, /metrics on a free loopback port, signals, a clean stop
//! and a `kill -9`. Include it beside `common`:
//! `use crate::common::daemon;`.
//! Waits poll with a deadline; no sleep synchronises anything.

use crate::common::{Home, poll, wait_for};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Generous: two cores shared with other builds.
pub const WAIT: Duration = Duration::from_secs(60);

/// Minimal HTTP/1.1 GET: (status, body).
pub fn http_get(port: u16, path: &str, accept: Option<&str>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{accept}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split(' ').nth(1)?.parse().ok()?;
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// An HTTP/1.1 request with extra header lines: (status, head, body bytes).
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
) -> Option<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head, buf[end + 4..].to_vec()))
}

/// The value of the sample `name_and_labels` in a Prometheus text body.
pub fn metric(body: &str, name_and_labels: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

pub struct Daemon {
    child: Child,
    /// Where it serves /metrics.
    pub port: u16,
    /// Every stderr line so far.
    log: Arc<Mutex<Vec<String>>>,
    /// Reads stderr; ends when the process closes it (at its exit).
    reader: Option<JoinHandle<()>>,
}

impl Daemon {
    /// `clawwatch run` on `home` (see `Home::command`) with `config` written
    /// to its clawwatch.toml, serving /metrics on a free loopback port;
    /// returns once it logged the port.
    pub fn start(home: &Home, config: &str) -> Daemon {
        Daemon::start_with(home, config, &["--listen", "127.0.0.1:0"], |_| {})
    }

    /// As [`Daemon::start`], with `args` after `run --config …` (they must
    /// name a listen address on 127.0.0.1) and a last say on the command.
    pub fn start_with(
        home: &Home,
        config: &str,
        args: &[&str],
        edit: impl FnOnce(&mut std::process::Command),
    ) -> Daemon {
        let cfg = home.write("clawwatch.toml", config);
        let cfg = cfg.to_string_lossy();
        let mut all = vec!["run", "--config", &cfg];
        all.extend_from_slice(args);
        let mut cmd = home.command(&all);
        cmd.env("RUST_LOG", "info");
        edit(&mut cmd);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start clawwatch run");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(vec![]));
        let lines = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut d = Daemon {
            child,
            port: 0,
            log,
            reader: Some(reader),
        };
        d.port = wait_for("the listen address in the log", WAIT, || {
            d.log.lock().unwrap().iter().find_map(|l| {
                // Text and logfmt, or JSON.
                let (text, json) = ("local=127.0.0.1:", "\"local\":\"127.0.0.1:");
                let (i, n) = match l.find(text) {
                    Some(i) => (i, text.len()),
                    None => (l.find(json)?, json.len()),
                };
                l[i + n..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            })
        });
        d
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The whole log so far.
    pub fn logs(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn log_ended(&self) -> bool {
        self.reader.as_ref().is_none_or(|r| r.is_finished())
    }

    /// Wait for a log line containing `needle` (or the end of the log).
    #[track_caller]
    pub fn wait_log(&self, needle: &str) {
        let has = || self.log.lock().unwrap().iter().any(|l| l.contains(needle));
        let found = poll(WAIT, || (has() || self.log_ended()).then_some(())).is_some() && has();
        assert!(found, "no {needle:?} in the log:\n{}", self.logs());
    }

    pub fn metrics(&self) -> String {
        http_get(self.port, "/metrics", None).expect("scrape").1
    }

    /// Wait until at least `n` cycles have run; returns that scrape.
    pub fn after_runs(&self, n: f64) -> String {
        wait_for("cycles", WAIT, || {
            let b = http_get(self.port, "/metrics", None)?.1;
            (metric(&b, "openclaw_auth_check_runs_total")? >= n).then_some(b)
        })
    }

    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill -{sig}");
    }

    /// After the exit: wait for the reader to see the end of the log, and
    /// return all of it.
    fn final_log(&mut self) -> String {
        if poll(WAIT, || self.log_ended().then_some(())).is_some()
            && let Some(r) = self.reader.take()
        {
            let _ = r.join();
        }
        self.logs()
    }

    /// SIGTERM: the daemon must exit 0 within 1 s. Returns the whole log.
    pub fn terminate(mut self) -> String {
        self.signal(libc::SIGTERM);
        let t = Instant::now();
        let status = wait_for("exit after SIGTERM", WAIT, || {
            self.child.try_wait().ok().flatten()
        });
        let took = t.elapsed();
        let log = self.final_log();
        assert!(took < Duration::from_secs(1), "took {took:?} to exit");
        assert_eq!(status.code(), Some(0), "{status:?}\n{log}");
        log
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no handler, no cleanup.
    /// The daemon must still be running. Returns the whole log.
    pub fn kill9(mut self) -> String {
        assert!(
            self.child.try_wait().expect("try_wait").is_none(),
            "the daemon died before the kill:\n{}",
            self.logs()
        );
        self.child.kill().expect("kill -9");
        let status = self.child.wait().expect("wait");
        assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
        // The pipe closes with the process: every line it wrote is here.
        self.final_log()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
