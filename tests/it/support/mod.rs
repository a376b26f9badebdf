//! Helpers for the alert integration tests: reports from generated homes,
//! a recording HTTP server, the aiosmtpd SMTP server, a test CA.

use crate::common::{self, Home};

pub mod compat_report;
use clawwatch::sources::{HostEnv, ReadOptions, read_snapshot};
use clawwatch_core::model::Policy;
use clawwatch_core::model::Report;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SECRET_TOKEN: &str = "sk-ant-oat01-FAKE-SECRET-zq9x7w5v3u1t";

// ------------------------------------------------------------ reports

/// The report `clawwatch` would make for this home at `now_ms`.
pub fn report(home: &Home, now_ms: i64) -> Report {
    let host = HostEnv {
        vars: [("HOME".to_string(), home.path().display().to_string())].into(),
        cwd: home.path().to_path_buf(),
    };
    let snap = read_snapshot(&host, &ReadOptions::default(), &Default::default());
    clawwatch_core::evaluate(&snap, now_ms, &Policy::default())
}

/// (Re)write the state-db store with one anthropic setup-token profile.
pub fn set_token(home: &Home, profile: &str, expires_ms: i64) {
    let db = home.oc().join("state").join("openclaw.sqlite");
    let _ = std::fs::remove_file(&db);
    home.store(
        serde_json::json!({ profile: common::tok(expires_ms, SECRET_TOKEN) }),
        None,
    );
}

/// A home with an anthropic default model and one token.
pub fn home_with_token(profile: &str, expires_ms: i64) -> Home {
    let h = Home::new();
    h.config_anthropic();
    set_token(&h, profile, expires_ms);
    h
}

pub fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).expect("valid instant")
}

/// Poll `f` until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    common::poll(timeout, || f().then_some(())).is_some()
}

/// A loopback port nothing listens on (bound and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

// ------------------------------------------------------------ tools

pub fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn have_aiosmtpd() -> bool {
    common::require(
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        "python3 with aiosmtpd (pip install aiosmtpd==1.4.6)",
    )
}

pub fn have_openssl() -> bool {
    common::require(have("openssl", "version"), "the openssl command")
}

// ------------------------------------------------------------ HTTP sink

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// A loopback HTTP/1.1 server that records every request and answers with
/// queued statuses (200 once the queue is empty). While holding (see
/// `hold`) it answers nothing: a request that arrives is recorded (in
/// `requests` and `held`) and its connection kept open, never answered,
/// until the server stops.
pub struct HttpSink {
    pub url: String,
    addr: std::net::SocketAddr,
    /// Every request that reached the server.
    requests: Arc<Mutex<Vec<Request>>>,
    /// The requests whose answer was written (the client was told).
    answered: Arc<Mutex<Vec<Request>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    holding: Arc<AtomicBool>,
    held: Arc<Mutex<Held>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Held {
    requests: Vec<Request>,
    /// Their connections, open until the server stops.
    streams: Vec<TcpStream>,
}

pub fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = vec![];
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

impl HttpSink {
    pub fn start() -> HttpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(vec![]));
        let answered = Arc::new(Mutex::new(vec![]));
        let statuses = Arc::new(Mutex::new(VecDeque::new()));
        let holding = Arc::new(AtomicBool::new(false));
        let held = Arc::new(Mutex::new(Held::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (rq, an, st, ho, hd, sp) = (
            requests.clone(),
            answered.clone(),
            statuses.clone(),
            holding.clone(),
            held.clone(),
            stop.clone(),
        );
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = conn else { continue };
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                rq.lock().unwrap().push(req.clone());
                if ho.load(Ordering::SeqCst) {
                    let mut h = hd.lock().unwrap();
                    h.requests.push(req);
                    h.streams.push(stream);
                    continue;
                }
                let status = st.lock().unwrap().pop_front().unwrap_or(200);
                let body = format!("status {status}\n");
                let sent = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
                .and_then(|_| stream.flush());
                if sent.is_ok() {
                    an.lock().unwrap().push(req);
                }
            }
        });
        HttpSink {
            url: format!("http://{addr}"),
            addr,
            requests,
            answered,
            statuses,
            holding,
            held,
            stop,
            thread: Some(thread),
        }
    }

    /// Answer the next requests with these statuses.
    pub fn respond_with(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    /// Hold every request from now on (true): the server has it, the client
    /// never hears back. Released (false): answer the next ones again (the
    /// held ones stay unanswered).
    pub fn hold(&self, on: bool) {
        self.holding.store(on, Ordering::SeqCst);
    }

    /// Every request that reached the server.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests answered (the answer was written).
    pub fn answered(&self) -> Vec<Request> {
        self.answered.lock().unwrap().clone()
    }

    /// The requests that arrived while holding (never answered): poll it
    /// (`wait_until`) to know one arrived.
    pub fn held(&self) -> Vec<Request> {
        self.held.lock().unwrap().requests.clone()
    }
}

impl Drop for HttpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ------------------------------------------------------------ SMTP

/// One mail the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub meta: serde_json::Value,
}

impl Mail {
    pub fn subject(&self) -> &str {
        self.meta["subject"].as_str().unwrap_or_default()
    }
    /// The text/plain part, decoded, with \n line ends.
    pub fn text(&self) -> String {
        self.meta["plain"]
            .as_str()
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }
    pub fn html(&self) -> String {
        self.meta["html"]
            .as_str()
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }
}

#[derive(Default)]
pub struct SmtpOptions {
    pub port: Option<u16>,
    /// (certificate chain PEM, key PEM): offer and require STARTTLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// (user, password): require AUTH.
    pub auth: Option<(String, String)>,
}

/// aiosmtpd on 127.0.0.1, writing each accepted mail to a directory.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Smtp {
    pub fn start(o: SmtpOptions) -> Smtp {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/smtp_sink.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script).arg(dir.path());
        if let Some(p) = o.port {
            cmd.args(["--port", &p.to_string()]);
        }
        if let Some((c, k)) = &o.tls {
            cmd.arg("--cert").arg(c).arg("--key").arg(k);
        }
        if let Some((u, p)) = &o.auth {
            cmd.args(["--user", u, "--password", p]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 smtp_sink.py");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("the SMTP server did not start within 30 s");
            }
        };
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SMTP server printed {line:?}, not a port"));
        Smtp { child, port, dir }
    }

    /// The mails the server accepted (answered 250).
    pub fn messages(&self) -> Vec<Mail> {
        self.mails("msg-")
    }

    /// The mails the server received while holding (see `hold`): never
    /// acknowledged to the client.
    pub fn held(&self) -> Vec<Mail> {
        self.mails("held-")
    }

    /// The mails the server received while paused (see `pause`).
    pub fn paused(&self) -> Vec<Mail> {
        self.mails("paused-")
    }

    /// How many QUIT commands the server received.
    pub fn quits(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("quit-"))
            })
            .count()
    }

    fn mails(&self, prefix: &str) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| Mail {
                raw: std::fs::read_to_string(&p).expect("mail"),
                meta: serde_json::from_str(
                    &std::fs::read_to_string(p.with_extension("json")).expect("meta"),
                )
                .expect("meta JSON"),
            })
            .collect()
    }

    /// Hold the DATA reply back for ever (true) or answer again (false): a
    /// server that has the message but never says 250.
    pub fn hold(&self, on: bool) {
        self.flag("HOLD", on.then_some(""));
    }

    /// Hold the DATA reply back while paused, then accept as usual.
    pub fn pause(&self, on: bool) {
        self.flag("PAUSE", on.then_some(""));
    }

    /// Answer DATA with this reply line (e.g. `451 4.3.0 later`); None = accept.
    pub fn fail_with(&self, reply: Option<&str>) {
        self.flag("FAIL", reply.map(|r| format!("{r}\n")).as_deref());
    }

    /// The control file smtp_sink.py reads: written with `text`, or removed.
    fn flag(&self, name: &str, text: Option<&str>) {
        let p = self.dir.path().join(name);
        match text {
            Some(t) => std::fs::write(p, t).unwrap_or_else(|e| panic!("write {name}: {e}")),
            None => {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------ TLS

/// A test CA and a server certificate it signed for localhost/127.0.0.1.
pub struct TestCa {
    /// Holds the files for the CA's lifetime.
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn test_ca() -> TestCa {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=clawwatch test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext.cnf");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    TestCa {
        ca: d.join("ca.pem"),
        cert: d.join("server.pem"),
        key: d.join("server.key"),
        _dir: dir,
    }
}

/// An environment map with only HOME (what `Alerter::new` reads).
pub fn env_home(home: &Path) -> BTreeMap<String, String> {
    [("HOME".to_string(), home.display().to_string())].into()
}
