//! `clawwatch run` and `once` driven as processes: /metrics, /healthz,
//! signals, re-auth without restart, a real Prometheus scraping it, and the
//! node_exporter textfile. Servers bind 127.0.0.1 on free ports; waits poll
//! with a deadline (no sleep is used as synchronisation).

mod common;
use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn tool(name: &str) -> Option<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Poll `f` until it returns Some or the deadline passes.
fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Minimal HTTP/1.1 GET: (status, body).
fn http_get(port: u16, path: &str, accept: Option<&str>) -> Option<(u16, String)> {
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

fn metric(body: &str, name_and_labels: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

struct Daemon {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
}

impl Daemon {
    fn start(home: &Home, config: &str) -> Daemon {
        let cfg = home.write("clawwatch.toml", config);
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home.path())
            .env("RUST_LOG", "info")
            .args([
                "run",
                "--config",
                &cfg.to_string_lossy(),
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start clawwatch run");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        let port = wait_for(
            "the listen address in the log",
            Duration::from_secs(20),
            || {
                while let Ok(l) = rx.try_recv() {
                    seen.push(l);
                }
                seen.iter().find_map(|l| {
                    let i = l.find("local=127.0.0.1:")?;
                    l[i + 16..]
                        .split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse()
                        .ok()
                })
            },
        );
        Daemon {
            child,
            port,
            log: rx,
        }
    }

    fn metrics(&self) -> String {
        http_get(self.port, "/metrics", None).expect("scrape").1
    }

    /// Wait until at least `n` cycles have run; returns that scrape.
    fn after_runs(&self, n: f64) -> String {
        wait_for("cycles", Duration::from_secs(20), || {
            let b = http_get(self.port, "/metrics", None)?.1;
            (metric(&b, "openclaw_auth_check_runs_total")? >= n).then_some(b)
        })
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGTERM and the exit code, which must come within 1 s.
    fn terminate(mut self) -> i32 {
        self.signal("TERM");
        let t = Instant::now();
        let status = wait_for("exit after SIGTERM", Duration::from_secs(5), || {
            self.child.try_wait().ok().flatten()
        });
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "took {:?} to exit",
            t.elapsed()
        );
        status.code().unwrap_or(-1)
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        while let Ok(l) = self.log.try_recv() {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const EVERY_SECOND: &str = "[check]\nschedule = \"* * * * * *\"\n";

/// An expiring anthropic token and an expired token of another provider.
fn two_token_home() -> (Home, i64, i64) {
    let now = now_ms();
    let (anth, oai) = (now + 3 * H, now - H);
    let h = Home::new();
    h.config_anthropic().store(
        json!({
            "anthropic:manual": tok(anth, "sk-ant-oat01-FAKE-daemon-0000000000000"),
            "openai:manual": {"type":"token","provider":"openai","token":"sk-FAKE-openai-000000000000","expires":oai}
        }),
        None,
    );
    (h, anth, oai)
}

fn promtool_check(body: &str) {
    let Some(promtool) = tool("promtool") else {
        require(false, "promtool (Debian package prometheus)");
        return;
    };
    let mut p = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn run_serves_metrics_healthz_and_exits_0_on_sigterm() {
    let (h, anth, oai) = two_token_home();
    let started = now_ms() as f64 / 1000.0;
    let d = Daemon::start(&h, EVERY_SECOND);
    let body = d.after_runs(1.0);
    let l = |p: &str, pr: &str, ty: &str| {
        format!(
            "{{agent=\"main\",profile=\"{p}\",provider=\"{pr}\",source=\"state-db\",type=\"{ty}\"}}"
        )
    };
    let anth_l = l("anthropic:manual", "anthropic", "token");
    let oai_l = l("openai:manual", "openai", "token");
    assert_eq!(
        metric(
            &body,
            &format!("openclaw_auth_credential_expiry_timestamp_seconds{anth_l}")
        ),
        Some(anth as f64 / 1000.0),
        "{body}"
    );
    assert_eq!(
        metric(
            &body,
            &format!("openclaw_auth_credential_expiry_timestamp_seconds{oai_l}")
        ),
        Some(oai as f64 / 1000.0)
    );
    let state = |p: &str, pr: &str, s: &str| {
        metric(
            &body,
            &format!(
                "openclaw_auth_credential_state{{agent=\"main\",profile=\"{p}\",provider=\"{pr}\",source=\"state-db\",state=\"{s}\",type=\"token\"}}"
            ),
        )
    };
    assert_eq!(
        state("anthropic:manual", "anthropic", "expiring"),
        Some(1.0)
    );
    assert_eq!(state("anthropic:manual", "anthropic", "ok"), Some(0.0));
    // The expired one is still exported, as a state set.
    assert_eq!(state("openai:manual", "openai", "expired"), Some(1.0));
    assert_eq!(state("openai:manual", "openai", "ok"), Some(0.0));
    assert_eq!(state("openai:manual", "openai", "expiring"), Some(0.0));
    assert_eq!(metric(&body, "openclaw_auth_check_status"), Some(2.0));
    let last = metric(&body, "openclaw_auth_check_last_run_timestamp_seconds").unwrap();
    assert!(
        last >= started && last <= now_ms() as f64 / 1000.0 + 1.0,
        "{last} vs {started}"
    );
    assert_eq!(http_get(d.port, "/healthz", None).map(|r| r.0), Some(200));
    let (code, index) = http_get(d.port, "/", None).unwrap();
    assert!(code == 200 && index.contains("/metrics"));
    assert_eq!(http_get(d.port, "/nope", None).map(|r| r.0), Some(404));
    // OpenMetrics when asked.
    let om = http_get(
        d.port,
        "/metrics",
        Some("application/openmetrics-text; version=1.0.0"),
    )
    .unwrap()
    .1;
    assert!(om.trim_end().ends_with("# EOF"), "{om}");
    promtool_check(&body);
    assert_eq!(d.terminate(), 0);
}

#[test]
fn reauth_is_seen_without_a_restart() {
    let h = Home::new();
    let now = now_ms();
    h.config_anthropic().store(
        json!({"anthropic:manual": tok(now - H, "sk-ant-oat01-FAKE-old")}),
        None,
    );
    let d = Daemon::start(&h, EVERY_SECOND);
    let body = d.after_runs(1.0);
    assert_eq!(metric(&body, "openclaw_auth_check_status"), Some(1.0));
    // Re-auth: OpenClaw replaces the store.
    std::fs::remove_file(h.oc().join("state/openclaw.sqlite")).unwrap();
    h.store(
        json!({"anthropic:manual": tok(now + 30 * D, "sk-ant-oat01-FAKE-new")}),
        None,
    );
    let body = wait_for("the new token in /metrics", Duration::from_secs(20), || {
        let b = d.metrics();
        (metric(&b, "openclaw_auth_check_status") == Some(0.0)).then_some(b)
    });
    assert!(
        body.contains(&format!("{}", (now + 30 * D) as f64 / 1000.0)),
        "{body}"
    );
    assert_eq!(d.terminate(), 0);
}

#[test]
fn sighup_with_a_broken_config_keeps_the_old_one() {
    let h = Home::new();
    h.config_anthropic().store(json!({"anthropic:key": {"type":"api_key","provider":"anthropic","key":"sk-ant-api03-FAKE"}}), None);
    let d = Daemon::start(&h, EVERY_SECOND);
    let before = metric(&d.after_runs(1.0), "openclaw_auth_check_runs_total").unwrap();
    h.write(
        "clawwatch.toml",
        "[check]\nschedule = \"every now and then\"\n",
    );
    d.signal("HUP");
    let logs = wait_for("the reload error in the log", Duration::from_secs(10), {
        let mut all = String::new();
        let d = &d;
        move || {
            all.push_str(&d.logs());
            all.contains("keeping the previous one")
                .then(|| all.clone())
        }
    });
    assert!(logs.contains("check.schedule"), "{logs}");
    // Still cycling every second on the old schedule, and healthy.
    d.after_runs(before + 2.0);
    assert_eq!(http_get(d.port, "/healthz", None).map(|r| r.0), Some(200));
    // A valid reload takes effect.
    h.write("clawwatch.toml", "[check]\nschedule = \"0 0 1 1 *\"\n");
    d.signal("HUP");
    wait_for("the reload in the log", Duration::from_secs(10), || {
        d.logs().contains("configuration reloaded").then_some(())
    });
    assert_eq!(d.terminate(), 0);
}

#[test]
fn a_real_prometheus_scrapes_the_expiry() {
    let Some(prom) = tool("prometheus") else {
        require(false, "prometheus (Debian package prometheus)");
        return;
    };
    let (h, anth, _) = two_token_home();
    let d = Daemon::start(&h, EVERY_SECOND);
    d.after_runs(1.0);
    let data = tempfile::tempdir().unwrap();
    let cfg = data.path().join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: clawwatch\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n", d.port),
    )
    .unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut p = Command::new(prom)
        .args([
            &format!("--config.file={}", cfg.display()),
            &format!("--storage.tsdb.path={}", data.path().join("tsdb").display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let q = "/api/v1/query?query=openclaw_auth_credential_expiry_timestamp_seconds%7Bprofile%3D%22anthropic%3Amanual%22%7D";
    let value = wait_for(
        "Prometheus to have scraped clawwatch",
        Duration::from_secs(60),
        || {
            let (code, body) = http_get(port, q, None)?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            if code != 200 {
                return None;
            }
            v["data"]["result"][0]["value"][1]
                .as_str()
                .map(str::to_string)
        },
    );
    let _ = p.kill();
    let _ = p.wait();
    assert_eq!(value.parse::<f64>().unwrap(), anth as f64 / 1000.0);
    assert_eq!(d.terminate(), 0);
}

#[test]
fn once_writes_a_textfile_node_exporter_reads() {
    let (h, _, _) = two_token_home();
    let tf = tempfile::tempdir().unwrap();
    let prom = tf.path().join("clawwatch.prom");
    h.write("clawwatch.toml", "");
    let o = h.run(&[
        "once",
        "--config",
        &h.path().join("clawwatch.toml").to_string_lossy(),
        "--textfile",
        &prom.to_string_lossy(),
    ]);
    assert_eq!(rc(&o), 2, "once exits like check\n{}", text(&o));
    let body = std::fs::read_to_string(&prom).unwrap();
    assert!(body.contains("openclaw_auth_credential_state{"), "{body}");
    promtool_check(&body);
    // Own failures are 3: an unwritable textfile, a bad config.
    let o = h.run(&["once", "--textfile", "/nonexistent-dir/x.prom"]);
    assert_eq!(rc(&o), 3, "{}", text(&o));
    h.write("bad.toml", "[metrics]\nlisten = 5\n");
    let o = h.run(&[
        "once",
        "--config",
        &h.path().join("bad.toml").to_string_lossy(),
    ]);
    assert_eq!(rc(&o), 3, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("listen"));

    let Some(ne) = tool("prometheus-node-exporter") else {
        require(false, "prometheus-node-exporter (Debian package)");
        return;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut n = Command::new(ne)
        .args([
            "--collector.disable-defaults",
            "--collector.textfile",
            &format!("--collector.textfile.directory={}", tf.path().display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let body = wait_for("node_exporter", Duration::from_secs(20), || {
        http_get(port, "/metrics", None)
            .filter(|r| r.0 == 200)
            .map(|r| r.1)
    });
    let _ = n.kill();
    let _ = n.wait();
    assert_eq!(
        metric(&body, "node_textfile_scrape_error"),
        Some(0.0),
        "{body}"
    );
    assert!(body.contains("openclaw_auth_credential_state{"), "{body}");
}

#[test]
fn config_check_and_example() {
    let h = Home::new();
    let ex = h.run(&["config", "example"]);
    assert_eq!(rc(&ex), 0);
    let p = h.write("example.toml", &ex.stdout);
    let o = h.run(&["config", "check", "--config", &p.to_string_lossy()]);
    assert_eq!(rc(&o), 0, "{}", text(&o));
    let p = h.write("typo.toml", "[check]\nschedul = \"* * * * *\"\n");
    let o = h.run(&["config", "check", "--config", &p.to_string_lossy()]);
    assert_eq!(rc(&o), 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("schedul"),
        "{}",
        text(&o)
    );
}
