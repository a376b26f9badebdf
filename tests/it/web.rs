//! `clawwatch run` as a first-class Prometheus exporter: the exporter-toolkit
//! web config (TLS with a test CA made here, basic auth with bcrypt hashes
//! from htpasswd and Python, client certificates, a new password without a
//! restart) against a real Prometheus and curl; process metrics and gzip;
//! /-/healthy, /-/ready, /-/reload; and thousands of half-open connections
//! that must not blind the daemon. Servers bind 127.0.0.1 on free ports;
//! waits poll with a deadline.

use crate::common::daemon::{Daemon, WAIT, http_get, http_request, metric};
use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// One cycle at start, then none: the exposition stays the same.
const ONCE: &str = "[check]\nschedule = \"0 0 1 1 *\"\n";
const EVERY_SECOND: &str = "[check]\nschedule = \"* * * * * *\"\n";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A home whose token is valid for 30 days: the verdict is ok.
fn ok_home() -> Home {
    let h = Home::new();
    h.config_anthropic().store(
        json!({"anthropic:manual": tok(now_ms() + 30 * D, "sk-ant-oat01-FAKE-web-00000000000000")}),
        None,
    );
    h
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// A test CA, a server certificate for 127.0.0.1 and a client
/// certificate, made with the openssl CLI.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        require(cfg!(have_openssl), "openssl");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ssl = |args: &[&str]| {
            let o = run(Command::new("openssl").args(args).current_dir(d));
            assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend(["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"]);
        ca.extend(["-subj", "/CN=clawwatch test CA"]);
        ca.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
        ca.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        ssl(&ca);
        for (name, usage, san) in [
            ("server", "serverAuth", "IP:127.0.0.1,DNS:localhost"),
            ("client", "clientAuth", "DNS:prometheus"),
        ] {
            let (key, csr, crt, ext) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.crt"),
                format!("{name}.ext"),
            );
            std::fs::write(
                d.join(&ext),
                format!(
                    "basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\nsubjectAltName={san}\n"
                ),
            )
            .unwrap();
            let mut req = vec!["req"];
            req.extend(ec);
            req.extend(["-keyout", &key, "-out", &csr, "-subj"]);
            let subj = format!("/CN={name}");
            req.push(&subj);
            ssl(&req);
            ssl(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "2",
                "-extfile",
                &ext,
            ]);
        }
        Pki { dir }
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).to_string_lossy().into_owned()
    }
}

/// `htpasswd -B` (apache2-utils): the bcrypt hash of `password`.
fn htpasswd_hash(password: &str) -> String {
    require(
        cfg!(have_htpasswd),
        "htpasswd (Debian package apache2-utils)",
    );
    let o = run(Command::new("htpasswd").args(["-nbB", "-C", "10", "u", password]));
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    out.trim()
        .strip_prefix("u:")
        .expect("user:hash")
        .to_string()
}

/// Python's bcrypt: the hash of `password`.
fn py_bcrypt_hash(password: &str) -> String {
    require(
        cfg!(have_py_bcrypt),
        "Python bcrypt (Debian package python3-bcrypt)",
    );
    let o = run(Command::new("python3").args([
        "-c",
        "import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(10)).decode())",
        password,
    ]));
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// curl's exit code and `%{http_code}`.
fn curl(args: &[&str]) -> (i32, String) {
    require(cfg!(have_curl), "curl");
    let o = run(Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "20",
        ])
        .args(args));
    (rc(&o), String::from_utf8_lossy(&o.stdout).to_string())
}

fn write_web(dir: &Path, yaml: &str) -> PathBuf {
    let p = dir.join("web.yml");
    // Replace, never rewrite in place: a reader never sees half a file.
    let tmp = dir.join("web.yml.tmp");
    std::fs::write(&tmp, yaml).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    p
}

fn start_web(h: &Home, config: &str, web: &Path, more: &[&str]) -> Daemon {
    let web = format!("--web.config.file={}", web.display());
    let mut args = vec!["--web.listen-address=127.0.0.1:0", web.as_str()];
    args.extend_from_slice(more);
    Daemon::start_with(h, config, &args, |_| {})
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The value of `up` for the clawwatch job, once Prometheus has one.
fn prometheus_up(port: u16) -> Option<String> {
    let (code, body) = http_get(
        port,
        "/api/v1/query?query=up%7Bjob%3D%22clawwatch%22%7D",
        None,
    )?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    (code == 200).then_some(())?;
    v["data"]["result"][0]["value"][1]
        .as_str()
        .map(str::to_string)
}

/// Kills Prometheus when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_prometheus(data: &Path, target_port: u16, pki: &Pki, password: &str) -> (Killed, u16) {
    require(
        cfg!(have_prometheus),
        "prometheus (Debian package prometheus)",
    );
    let cfg = data.join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: clawwatch\n    scheme: https\n    tls_config:\n      ca_file: {}\n    basic_auth:\n      username: prom\n      password: {password}\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n",
            pki.path("ca.crt")
        ),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .args([
            &format!("--config.file={}", cfg.display()),
            &format!("--storage.tsdb.path={}", data.join("tsdb").display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    (Killed(child), port)
}

#[test]
#[cfg_attr(
    not(all(have_prometheus, have_openssl, have_curl, have_htpasswd)),
    ignore = "needs prometheus, openssl, curl and htpasswd"
)]
fn prometheus_scrapes_over_https_with_basic_auth_and_a_new_password_needs_no_restart() {
    let pki = Pki::new();
    let h = ok_home();
    let tls = format!(
        "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
        pki.path("server.crt"),
        pki.path("server.key")
    );
    let web = write_web(
        h.path(),
        &format!(
            "{tls}basic_auth_users:\n  prom: {}\n",
            htpasswd_hash("first-pass")
        ),
    );
    let d = start_web(&h, EVERY_SECOND, &web, &[]);
    let url = format!("https://127.0.0.1:{}/metrics", d.port);
    let ca = pki.path("ca.crt");
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "prom:first-pass", &url]),
        (0, "200".into())
    );
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "prom:wrong", &url]),
        (0, "401".into())
    );
    assert_eq!(
        curl(&["--cacert", &ca, &url]),
        (0, "401".into()),
        "no credentials"
    );
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "nobody:first-pass", &url]).1,
        "401"
    );
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = format!("http://127.0.0.1:{}/metrics", d.port);
    let (code, status) = curl(&["-u", "prom:first-pass", &plain]);
    assert!(
        code != 0 && status == "000",
        "plain HTTP: curl exit {code}, status {status}"
    );
    assert!(!matches!(
        http_get(d.port, "/metrics", None),
        Some((200, _))
    ));

    let data = tempfile::tempdir().unwrap();
    let (_prom, prom_port) = start_prometheus(data.path(), d.port, &pki, "first-pass");
    let up = wait_for("Prometheus to scrape clawwatch", WAIT, || {
        prometheus_up(prom_port).filter(|v| v == "1")
    });
    assert_eq!(up, "1");

    // A new password: no restart, no signal.
    write_web(
        h.path(),
        &format!(
            "{tls}basic_auth_users:\n  prom: {}\n",
            htpasswd_hash("second-pass")
        ),
    );
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "prom:second-pass", &url]).1,
        "200"
    );
    assert_eq!(
        curl(&["--cacert", &ca, "-u", "prom:first-pass", &url]).1,
        "401"
    );
    // Prometheus still sends the old one, on its kept connection: down.
    wait_for("Prometheus to see the old password refused", WAIT, || {
        prometheus_up(prom_port).filter(|v| v == "0")
    });
    d.terminate();
}

#[test]
#[cfg_attr(not(all(have_openssl, have_curl)), ignore = "needs openssl and curl")]
fn a_client_certificate_is_required_when_the_web_config_says_so() {
    let pki = Pki::new();
    let h = ok_home();
    let web = write_web(
        h.path(),
        &format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_ca_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  min_version: TLS12\n",
            pki.path("server.crt"),
            pki.path("server.key"),
            pki.path("ca.crt"),
        ),
    );
    let d = start_web(&h, ONCE, &web, &[]);
    let url = format!("https://127.0.0.1:{}/metrics", d.port);
    let ca = pki.path("ca.crt");
    let (code, status) = curl(&["--cacert", &ca, &url]);
    assert!(
        code != 0 && status == "000",
        "no client cert: curl exit {code}, status {status}"
    );
    let with_cert = [
        "--cacert",
        &ca,
        "--cert",
        &pki.path("client.crt"),
        "--key",
        &pki.path("client.key"),
        &url,
    ];
    assert_eq!(curl(&with_cert), (0, "200".into()));
    // A certificate of another CA is no way in.
    let other = Pki::new();
    let (code, _) = curl(&[
        "--cacert",
        &ca,
        "--cert",
        &other.path("client.crt"),
        "--key",
        &other.path("client.key"),
        &url,
    ]);
    assert_ne!(code, 0, "a client certificate of another CA is refused");
    d.terminate();
}

#[test]
#[cfg_attr(
    not(all(have_htpasswd, have_py_bcrypt, have_curl)),
    ignore = "needs htpasswd, Python bcrypt and curl"
)]
fn bcrypt_hashes_from_htpasswd_and_python_are_accepted() {
    let h = ok_home();
    let web = write_web(
        h.path(),
        &format!(
            "basic_auth_users:\n  apache: {}\n  python: {}\n",
            htpasswd_hash("pw-from-htpasswd"),
            py_bcrypt_hash("pw-from-python")
        ),
    );
    let d = start_web(&h, ONCE, &web, &[]);
    let url = format!("http://127.0.0.1:{}/metrics", d.port);
    assert_eq!(curl(&["-u", "apache:pw-from-htpasswd", &url]).1, "200");
    assert_eq!(curl(&["-u", "python:pw-from-python", &url]).1, "200");
    assert_eq!(curl(&["-u", "python:pw-from-htpasswd", &url]).1, "401");
    let (status, _) = http_get(d.port, "/metrics", None).expect("answer");
    assert_eq!(status, 401);
    d.terminate();
}

fn gunzip(body: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(body)
        .read_to_string(&mut out)
        .expect("a gzip body");
    out
}

/// The exposition without the process metrics (read at each scrape).
fn without_process(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("process_"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn promtool_check(body: &str) {
    require(cfg!(have_promtool), "promtool (Debian package prometheus)");
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    p.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}\n{body}",
        text(&out)
    );
}

#[test]
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
fn gzip_metrics_decode_to_the_same_text_with_process_metrics() {
    let h = ok_home();
    let d = Daemon::start(&h, ONCE);
    d.after_runs(1.0);
    for accept in [
        None,
        Some("Accept: application/openmetrics-text; version=1.0.0"),
    ] {
        let mut headers = vec!["Accept-Encoding: gzip"];
        headers.extend(accept);
        let (status, head, body) =
            http_request(d.port, "GET", "/metrics", &headers).expect("scrape");
        assert_eq!(status, 200);
        let head = head.to_ascii_lowercase();
        assert!(head.contains("\r\ncontent-encoding: gzip"), "{head}");
        assert!(head.contains("\r\nvary: accept-encoding"), "{head}");
        let unzipped = gunzip(&body);
        let (_, head, plain) = http_request(
            d.port,
            "GET",
            "/metrics",
            &accept.into_iter().collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(
            !head.to_ascii_lowercase().contains("content-encoding"),
            "{head}"
        );
        let plain = String::from_utf8(plain).unwrap();
        assert!(
            body.len() * 3 < plain.len(),
            "compressed: {} of {}",
            body.len(),
            plain.len()
        );
        assert_eq!(without_process(&unzipped), without_process(&plain));
        for name in [
            "process_resident_memory_bytes",
            "process_start_time_seconds",
            "process_cpu_seconds_total",
            "process_open_fds",
            "process_max_fds",
            "process_virtual_memory_bytes",
        ] {
            let v = metric(&unzipped, name).unwrap_or_else(|| panic!("no {name}:\n{unzipped}"));
            assert!(v > 0.0 || name == "process_cpu_seconds_total", "{name} {v}");
        }
        let start = metric(&unzipped, "process_start_time_seconds").unwrap();
        assert!(
            (start - now_ms() as f64 / 1000.0).abs() < 600.0,
            "start time {start}"
        );
        if accept.is_some() {
            assert!(unzipped.ends_with("# EOF\n"), "{unzipped}");
            assert!(unzipped.contains("# TYPE process_cpu_seconds counter\n"));
        } else {
            promtool_check(&unzipped);
        }
    }
    d.terminate();
}

#[test]
fn healthy_ready_and_reload_endpoints() {
    let h = Home::new();
    // No credential: the first cycle has a notice to send, and its command
    // waits for `go`, so the test decides when the first cycle ends.
    h.config_anthropic();
    let go = h.path().join("go");
    let config = format!(
        "{ONCE}[[alert.command]]\nargv = [\"sh\", \"-c\", \"while [ ! -e \\\"$0\\\" ]; do sleep 0.05; done\", \"{}\"]\ntimeout = \"300s\"\n",
        go.display()
    );
    let d = Daemon::start(&h, &config);
    let get = |path: &str| http_get(d.port, path, None).map(|r| r.0);
    assert_eq!(get("/-/healthy"), Some(200));
    assert_eq!(get("/-/ready"), Some(503), "before the first cycle ends");
    assert_eq!(get("/healthz"), Some(200));
    let post = |port: u16| http_request(port, "POST", "/-/reload", &[]).map(|r| r.0);
    assert_eq!(post(d.port), Some(404), "no --web.enable-lifecycle");
    std::fs::write(&go, "").unwrap();
    wait_for("/-/ready to turn 200", WAIT, || {
        (get("/-/ready") == Some(200)).then_some(())
    });
    assert_eq!(get("/nope"), Some(404));
    d.terminate();

    let h = ok_home();
    let d = Daemon::start_with(
        &h,
        ONCE,
        &["--listen=127.0.0.1:0", "--web.enable-lifecycle"],
        |_| {},
    );
    assert_eq!(
        http_request(d.port, "GET", "/-/reload", &[]).map(|r| r.0),
        Some(405)
    );
    assert_eq!(post(d.port), Some(200));
    d.wait_log("configuration reloaded");
    h.write("clawwatch.toml", "[check]\nschedule = \"not cron\"\n");
    let (status, _, body) = http_request(d.port, "POST", "/-/reload", &[]).unwrap();
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("keeping the previous one"));
    d.terminate();
}

#[test]
fn json_logs_carry_plain_values_and_the_start_line_names_what_runs() {
    let h = ok_home();
    let d = Daemon::start_with(
        &h,
        EVERY_SECOND,
        &["--listen", "127.0.0.1:0", "--log.format=json"],
        |c| {
            c.env_remove("RUST_LOG");
        },
    );
    d.after_runs(2.0);
    d.wait_log("cycle done");
    let log = d.terminate();
    let mut start = None;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(!line.contains("Some("), "Rust Debug text in {line}");
        if v["fields"]["message"] == "clawwatch starting" {
            start = Some(v);
        }
    }
    let start = start.expect("a start line at the default level");
    assert_eq!(start["fields"]["schedule"], "* * * * * *");
    assert_eq!(start["fields"]["listen"], "127.0.0.1:0");
    assert!(
        start["fields"]["config"]
            .as_str()
            .unwrap()
            .ends_with("clawwatch.toml")
    );
}

/// Let this process hold `n` more descriptors.
fn raise_own_nofile(n: u64) {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit on a local.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut l), 0);
        // Root (as CI runs) may raise the hard limit too.
        l.rlim_max = l.rlim_max.max(n + 1024);
        l.rlim_cur = l.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &l) != 0 {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut l), 0);
            l.rlim_cur = l.rlim_max;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &l), 0);
        }
    }
    assert!(
        l.rlim_cur >= n + 512,
        "need a hard descriptor limit above {n}"
    );
}

#[test]
fn issue_17_finding_1_half_open_connections_do_not_blind_the_daemon() {
    raise_own_nofile(2000);
    let h = ok_home();
    // The daemon under the 1024-descriptor limit the units used to keep.
    let d = Daemon::start_with(&h, EVERY_SECOND, &["--listen", "127.0.0.1:0"], |c| {
        use std::os::unix::process::CommandExt;
        // SAFETY: only setrlimit, async-signal-safe, between fork and exec.
        unsafe {
            c.pre_exec(|| {
                let l = libc::rlimit {
                    rlim_cur: 1024,
                    rlim_max: 1024,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &l) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    });
    d.after_runs(1.0);
    // Another process (this one) holds 2,000 connections that never finish
    // a request: half send nothing, half a partial head.
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", d.port).parse().unwrap();
    let mut held = Vec::new();
    for i in 0..2000 {
        if let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            if i % 2 == 1 {
                let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            }
            held.push(s);
        }
    }
    assert!(held.len() >= 1900, "only {} connections made", held.len());
    let t = std::time::Instant::now();
    let (status, body) = http_get(d.port, "/metrics", None).expect("/metrics answers");
    assert_eq!(status, 200);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let fds = metric(&body, "process_open_fds").unwrap();
    assert!(fds < 600.0, "the server holds {fds} descriptors");
    // The next cycle still reads its files: the verdict is ok.
    let runs = metric(&body, "openclaw_auth_check_runs_total").unwrap();
    let after = d.after_runs(runs + 1.0);
    assert_eq!(
        metric(&after, "openclaw_auth_check_status"),
        Some(0.0),
        "{after}"
    );
    assert_eq!(
        metric(&after, "openclaw_auth_check_failures_total"),
        Some(0.0)
    );
    // Every source-error series is exported from 0; none may have counted.
    let errors = after
        .lines()
        .filter(|l| l.starts_with("openclaw_auth_source_errors_total{"))
        .filter(|l| !l.ends_with(" 0"));
    assert_eq!(errors.count(), 0, "{after}");
    drop(held);
    d.terminate();
}

#[test]
fn a_bad_web_config_or_a_busy_address_stops_the_start_with_exit_3() {
    let h = ok_home();
    h.write("clawwatch.toml", ONCE);
    let cfg = h.path().join("clawwatch.toml");
    let cfg = cfg.to_string_lossy();
    let web = write_web(h.path(), "basic_auth_users:\n  prom: hunter2\n");
    let web_flag = format!("--web.config.file={}", web.display());
    let o = h.run(&["run", "--config", &cfg, "--listen=127.0.0.1:0", &web_flag]);
    assert_eq!(rc(&o), 3, "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("web.yml") && err.contains("basic_auth_users.prom"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("--web.listen-address={}", busy.local_addr().unwrap());
    let o = h.run(&[
        "run",
        "--config",
        &cfg,
        "--web.listen-address=127.0.0.1:0",
        &addr,
    ]);
    assert_eq!(rc(&o), 3, "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot listen on"));
}
