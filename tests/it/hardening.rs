//! Issue 17 (hardening): one test per numbered finding, named after it,
//! each failing on the code the campaign ran against. Findings 1 and 11's
//! listen warning are the HTTP server's (tested with it); finding 7's scale
//! is in bench/ and `crates/core` (an index, not a scan).

use crate::common::daemon::{Daemon, WAIT, http_get, metric};
use crate::common::{self, Home, NOW_ISO, NOW_MS, rc, text, tok};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn mkfifo(p: &Path) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Run to completion, failing (and killing it) if it takes over `limit`.
/// The output is read as it comes (a full pipe would stall the child).
#[track_caller]
fn run_within(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn clawwatch");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let t = Instant::now();
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            let out = rx.recv().expect("output after the kill").expect("output");
            panic!("still running after {:?}:\n{}", t.elapsed(), text(&out));
        }
    }
}

fn valid_home() -> Home {
    let h = Home::new();
    h.config_anthropic().store(
        serde_json::json!({"anthropic:manual": tok(NOW_MS + 30 * common::D, "sk-ant-oat01-FAKE-hardening")}),
        None,
    );
    h
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

// ------------------------------------------------- findings 6 and 10: reads

#[test]
fn finding_06_fifo_input_is_refused() {
    // A FIFO as the .env, as openclaw.json and as clawwatch.toml: every
    // command ends at once and names the file and what it is.
    let h = valid_home();
    mkfifo(&h.oc().join(".env"));
    let out = run_within(h.command(&["check", "--now", NOW_ISO]), WAIT);
    assert_eq!(rc(&out), 0, "{}", text(&out));
    let out = run_within(h.command(&["status", "--now", NOW_ISO]), WAIT);
    assert!(text(&out).contains("named pipe (FIFO)"), "{}", text(&out));

    let h = valid_home();
    std::fs::remove_file(h.oc().join("openclaw.json")).unwrap();
    mkfifo(&h.oc().join("openclaw.json"));
    let out = run_within(h.command(&["status", "--now", NOW_ISO]), WAIT);
    assert!(text(&out).contains("named pipe (FIFO)"), "{}", text(&out));

    let h = valid_home();
    let cfg = h.path().join("clawwatch.toml");
    mkfifo(&cfg);
    let out = run_within(
        h.command(&["config", "check", "--config", &cfg.to_string_lossy()]),
        WAIT,
    );
    assert_ne!(rc(&out), 0);
    assert!(text(&out).contains("named pipe (FIFO)"), "{}", text(&out));
    assert!(text(&out).contains("clawwatch.toml"), "{}", text(&out));
}

#[test]
fn finding_06_device_link_is_refused() {
    // A symlink to /dev/zero once read until memory ran out.
    let h = valid_home();
    std::fs::create_dir_all(h.oc()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", h.oc().join(".env")).unwrap();
    let cc = h.path().join(".claude/.credentials.json");
    std::fs::create_dir_all(cc.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &cc).unwrap();
    let out = run_within(h.command(&["status", "--now", NOW_ISO]), WAIT);
    assert!(text(&out).contains("a device"), "{}", text(&out));
    let out = run_within(h.command(&["check", "--now", NOW_ISO]), WAIT);
    assert_eq!(rc(&out), 0, "{}", text(&out));
}

#[test]
fn finding_06_sighup_with_a_fifo_config_never_delays_sigterm() {
    let h = valid_home();
    let d = Daemon::start(&h, "[check]\nschedule = \"0 0 30 2 *\"\n");
    d.wait_log("cycle done");
    let cfg = h.path().join("clawwatch.toml");
    std::fs::remove_file(&cfg).unwrap();
    mkfifo(&cfg);
    d.signal(libc::SIGHUP);
    d.wait_log("configuration reload failed");
    // `terminate` asserts exit 0 within 1 s.
    let log = d.terminate();
    assert!(log.contains("named pipe (FIFO)"), "{log}");
}

#[test]
fn finding_06_skipped_ticks_are_counted_and_turn_healthz_unhealthy() {
    // A delivery that hangs (a command blocked on a FIFO this test holds)
    // keeps the first cycle running while the every-second schedule ticks.
    let h = Home::new();
    h.config_anthropic().store(
        serde_json::json!({"anthropic:manual": tok(now_ms() - common::H, "sk-ant-oat01-FAKE-skip")}),
        None,
    );
    let hold = h.path().join("hold.fifo");
    mkfifo(&hold);
    let state = h.path().join("state/alert-state.json");
    let cfg = format!(
        "[check]\nschedule = \"* * * * * *\"\n\n[alert]\nstate_file = {state:?}\n\n\
         [[alert.command]]\nname = \"held\"\nargv = [\"/bin/cat\", {hold:?}]\ntimeout = \"10m\"\n",
        state = state.display().to_string(),
        hold = hold.display().to_string(),
    );
    let d = Daemon::start(&h, &cfg);
    let body = common::wait_for("a skipped tick in /metrics", WAIT, || {
        let b = http_get(d.port, "/metrics", None)?.1;
        (metric(&b, "openclaw_auth_check_skipped_total")? >= 1.0).then_some(b)
    });
    assert_eq!(
        metric(&body, "openclaw_auth_check_runs_total"),
        Some(0.0),
        "the first cycle is still held:\n{body}"
    );
    let (status, _) = http_get(d.port, "/healthz", None).expect("healthz");
    assert_eq!(status, 503, "a stuck cycle is unhealthy");
    // Release the delivery: the next cycles run and health comes back.
    drop(std::fs::OpenOptions::new().write(true).open(&hold).unwrap());
    common::wait_for("healthy again", WAIT, || {
        (http_get(d.port, "/healthz", None)?.0 == 200).then_some(())
    });
    d.terminate();
}

#[test]
fn finding_10_oversized_inputs_are_refused_unread() {
    // clawwatch.toml had no limit at all; a 2 MiB one is refused.
    let h = valid_home();
    let mut big = String::from("[check]\n");
    while big.len() < 2 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding\n");
    }
    let cfg = h.write("clawwatch.toml", &big);
    let out = run_within(
        h.command(&["config", "check", "--config", &cfg.to_string_lossy()]),
        WAIT,
    );
    assert_ne!(rc(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("limit"), "{}", text(&out));
    // A sparse 600 MB .env: refused by its size, not read whole.
    let env = h.oc().join(".env");
    std::fs::File::create(&env)
        .unwrap()
        .set_len(600 << 20)
        .unwrap();
    let out = run_within(h.command(&["status", "--now", NOW_ISO]), WAIT);
    assert!(text(&out).contains("too large"), "{}", text(&out));
}

// ---------------------------------------------- finding 3: planted symlinks

#[test]
fn finding_03_textfile_temp_symlink_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let h = valid_home();
    let out_dir = h.path().join("textfile");
    std::fs::create_dir_all(&out_dir).unwrap();
    let prom = out_dir.join("clawwatch.prom");
    let victim = h.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = format!(
        "[check]\nschedule = \"* * * * * *\"\n\n[metrics]\ntextfile = {:?}\n",
        prom.display().to_string()
    );
    let d = Daemon::start(&h, &cfg);
    d.after_runs(1.0);
    let tmp = out_dir.join(format!(".clawwatch.prom.tmp-{}", d.pid()));
    std::os::unix::fs::symlink(&victim, &tmp).unwrap();
    d.wait_log("refusing to write through it");
    let log = d.terminate();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{log}");
    assert!(log.contains(&tmp.display().to_string()), "{log}");
}

// ------------------------------------------- finding 4: one broken channel

#[test]
fn finding_04_one_broken_channel_never_silences_the_rest() {
    // The SMTP password pasted where its file's path belongs: that channel
    // is broken, the webhook still delivers, and nothing echoes the value.
    let pasted = "hunter2-PASTED-SMTP-PASSWORD";
    let h = crate::support::home_with_token("anthropic:manual", now_ms() - common::H);
    let hook = crate::support::HttpSink::start();
    let state = h.path().join("state/alert-state.json");
    let cfg = h.write(
        "clawwatch.toml",
        format!(
            "[alert]\nstate_file = {state:?}\n\n\
             [[alert.email]]\nname = \"mail\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 1\ntls = \"none\"\n\
             from = \"cw@example.org\"\nto = [\"ops@example.org\"]\nusername = \"cw\"\npassword_file = {pasted:?}\n\n\
             [[alert.webhook]]\nname = \"hook\"\nurl = \"{}/hook\"\n",
            hook.url,
            state = state.display().to_string(),
        ),
    );
    let cfg = cfg.to_string_lossy().to_string();
    let out = run_within(h.command(&["once", "--config", &cfg]), WAIT);
    let all = text(&out);
    assert!(!hook.requests().is_empty(), "the webhook delivers:\n{all}");
    assert!(all.contains("\"mail\" is broken and skipped"), "{all}");
    assert!(!all.contains(pasted), "{all}");

    let out = run_within(h.command(&["config", "check", "--config", &cfg]), WAIT);
    let all = text(&out);
    assert_eq!(rc(&out), 1, "config check sees it:\n{all}");
    assert!(
        all.contains("\"mail\" cannot deliver: password_file"),
        "{all}"
    );
    assert!(!all.contains(pasted), "{all}");

    let out = run_within(
        h.command(&["doctor", "--config", &cfg, "--now", NOW_ISO]),
        WAIT,
    );
    let all = text(&out);
    assert!(all.contains("password_file"), "{all}");
    assert!(!all.contains(pasted), "{all}");
}

// ------------------------------------------------ finding 11: network rules

#[test]
fn finding_11_credentials_never_go_over_plain_http_off_host() {
    let h = valid_home();
    let token = h.write("token", "FAKE-bearer-token\n");
    let topic = h.write("topic", "secret-topic\n");
    for (section, body) in [
        (
            "webhook",
            format!(
                "url = \"http://hooks.example.org/x\"\ntoken_file = {:?}\n",
                token.display().to_string()
            ),
        ),
        (
            "ntfy",
            format!(
                "url = \"http://ntfy.example.org\"\ntopic_file = {:?}\n",
                topic.display().to_string()
            ),
        ),
    ] {
        let cfg = h.write("c.toml", format!("[[alert.{section}]]\n{body}"));
        let out = run_within(
            h.command(&["config", "check", "--config", &cfg.to_string_lossy()]),
            WAIT,
        );
        let all = text(&out);
        assert_eq!(rc(&out), 1, "{section}:\n{all}");
        assert!(all.contains("must be https://"), "{all}");
        assert!(!all.contains("FAKE-bearer-token") && !all.contains("secret-topic"));
    }
    // The probe's base URLs (the environment overrides go through the same check).
    let cfg = h.write(
        "c.toml",
        "[doctor.base_urls]\nanthropic = \"http://api.example.org\"\n",
    );
    let out = run_within(
        h.command(&["config", "check", "--config", &cfg.to_string_lossy()]),
        WAIT,
    );
    assert_ne!(rc(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("must be https://"), "{}", text(&out));
    // Loopback may be plain http (a local proxy, a test server).
    let cfg = h.write(
        "c.toml",
        "[doctor.base_urls]\nanthropic = \"http://127.0.0.1:9\"\n",
    );
    let out = run_within(
        h.command(&["config", "check", "--config", &cfg.to_string_lossy()]),
        WAIT,
    );
    assert_eq!(rc(&out), 0, "{}", text(&out));
}

// ------------------------------------------- finding 2: no secret in logs

const CANARIES: [&str; 4] = [
    "FAKE-canary-webhook-bearer",
    "FAKE-canary-ntfy-token",
    "canary-ntfy-topic-x7",
    "FAKE-canary-smtp-pass",
];

#[test]
#[cfg_attr(not(have_aiosmtpd), ignore = "needs aiosmtpd")]
fn finding_02_no_channel_secret_in_trace_logs() {
    use crate::support::{HttpSink, Smtp, SmtpOptions};
    if !crate::support::have_aiosmtpd() {
        return;
    }
    let h = crate::support::home_with_token("anthropic:manual", now_ms() - common::H);
    let (hook, ntfy, am) = (HttpSink::start(), HttpSink::start(), HttpSink::start());
    let smtp = Smtp::start(SmtpOptions::default());
    // Group/world-readable whatever the umask, so each channel logs a
    // warning about the mode: the proof below that logging is on.
    let file = |name: &str, v: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = h.write(name, format!("{v}\n"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        p.display().to_string()
    };
    let state = h.path().join("state/alert-state.json");
    let cfg = h.write(
        "clawwatch.toml",
        format!(
            "[alert]\nstate_file = {state:?}\n\n\
             [[alert.webhook]]\nname = \"hook\"\nurl = \"{hook}/hook\"\ntoken_file = {wt:?}\n\n\
             [[alert.ntfy]]\nname = \"ntfy\"\nurl = \"{ntfy}\"\ntopic_file = {nt:?}\ntoken_file = {nk:?}\n\n\
             [[alert.alertmanager]]\nname = \"am\"\nurl = \"{am}\"\n\n\
             [[alert.email]]\nname = \"mail\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\ntls = \"none\"\n\
             from = \"cw@example.org\"\nto = [\"ops@example.org\"]\npassword_file = {pw:?}\n\n\
             [[alert.command]]\nname = \"cmd\"\nargv = [\"/bin/true\", \"{{title}}\"]\n",
            state = state.display().to_string(),
            hook = hook.url,
            ntfy = ntfy.url,
            am = am.url,
            port = smtp.port,
            wt = file("wt", CANARIES[0]),
            nk = file("nk", CANARIES[1]),
            nt = file("nt", CANARIES[2]),
            pw = file("pw", CANARIES[3]),
        ),
    );
    let cfg = cfg.to_string_lossy().to_string();
    for (how, args) in [
        ("RUST_LOG=trace", vec!["alert", "test", "--config", &cfg]),
        ("-vvv", vec!["alert", "test", "--config", &cfg, "-vvv"]),
        ("RUST_LOG=trace once", vec!["once", "--config", &cfg]),
    ] {
        let mut cmd = h.command(&args);
        if how.starts_with("RUST_LOG") {
            cmd.env("RUST_LOG", "trace,ureq::unversioned=trace,ureq_proto=trace");
        }
        let out = run_within(cmd, WAIT);
        let err = String::from_utf8_lossy(&out.stderr);
        // Logging is on (the channels warn about the test files' modes).
        assert!(err.contains("WARN"), "{how}: logging on:\n{err}");
        for c in CANARIES {
            assert!(!err.contains(c), "{how}: {c} in the log:\n{err}");
        }
    }
    assert!(!hook.requests().is_empty() && !ntfy.requests().is_empty());
    assert!(
        hook.requests()[0].header("authorization").is_some(),
        "the token was sent, so it could have been logged"
    );
}

/// A provider that echoes the key it was sent, raw, base64 and
/// percent-encoded, in a 401 (a careless provider).
fn echoing_provider() -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let t = std::thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let mut key = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && (k.eq_ignore_ascii_case("x-api-key") || k.eq_ignore_ascii_case("authorization"))
            {
                key = v.trim().trim_start_matches("Bearer ").to_string();
            }
        }
        let b64 = base64_std(key.as_bytes());
        let pct: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
        let body = format!(
            r#"{{"type":"error","error":{{"type":"authentication_error","message":"bad key {key} b64 {b64} url {pct}"}}}}"#
        );
        let _ = write!(
            w,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    (base, t)
}

fn base64_std(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn finding_02_and_11_the_probe_logs_and_shows_no_encoding_of_its_key() {
    let key = "sk-ant-api03-FAKE-canary-probe-key-0001";
    let (base, server) = echoing_provider();
    let h = Home::new();
    h.config_anthropic();
    let h = h.env("ANTHROPIC_API_KEY", key);
    let cfg = h.write(
        "clawwatch.toml",
        format!("[doctor]\nbase_urls = {{ anthropic = \"{base}\" }}\n"),
    );
    let mut cmd = h.command(&[
        "doctor",
        "--config",
        &cfg.to_string_lossy(),
        "--probe",
        "--json",
        "--now",
        NOW_ISO,
    ]);
    cmd.env("RUST_LOG", "trace");
    let out = run_within(cmd, WAIT);
    server.join().unwrap();
    let all = text(&out);
    assert!(all.contains("probe-unauthorized"), "{all}");
    let b64 = base64_std(key.as_bytes());
    let pct: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    for (what, s) in [
        ("raw", key),
        ("base64", b64.as_str()),
        ("percent", pct.as_str()),
    ] {
        assert!(!all.contains(s), "the {what} key is shown:\n{all}");
    }
}

// ------------------------------------- finding 8: state that cannot be saved

#[test]
fn finding_08_an_unwritable_state_is_counted_and_never_resends() {
    let h = crate::support::home_with_token("anthropic:manual", now_ms() - common::H);
    let hook = crate::support::HttpSink::start();
    // The state file's path is a directory: every write fails.
    let state = h.path().join("state/alert-state.json");
    std::fs::create_dir_all(&state).unwrap();
    let cfg = format!(
        "[check]\nschedule = \"* * * * * *\"\n\n[alert]\nstate_file = {state:?}\n\n\
         [[alert.webhook]]\nname = \"hook\"\nurl = \"{}/hook\"\n",
        hook.url,
        state = state.display().to_string(),
    );
    let d = Daemon::start(&h, &cfg);
    d.after_runs(2.0);
    let first = hook.requests().len();
    assert!(first >= 1, "the notices went out once:\n{}", d.logs());
    let body = d.after_runs(5.0);
    assert_eq!(hook.requests().len(), first, "re-sent:\n{}", d.logs());
    let failures = metric(&body, "clawwatch_alert_state_write_failures_total").unwrap_or(0.0);
    assert!(failures >= 4.0, "{body}");
    let log = d.terminate();
    assert!(log.contains("held in memory"), "{log}");
}

// ------------------------------- finding 9: never write into the OpenClaw home

type Tree = std::collections::BTreeMap<std::path::PathBuf, (Vec<u8>, i64, i64)>;

/// Every file under `root`: bytes and mtime.
fn tree(root: &Path) -> Tree {
    use std::os::unix::fs::MetadataExt;
    let mut out = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let (p, m) = (e.path(), e.metadata().unwrap());
            if m.is_dir() {
                stack.push(p.clone());
            }
            let bytes = if m.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                vec![]
            };
            out.insert(p, (bytes, m.mtime(), m.mtime_nsec()));
        }
    }
    out
}

fn age(root: &Path) {
    for p in tree(root).keys() {
        if let Ok(f) = std::fs::File::options().read(true).open(p) {
            let _ = f.set_modified(
                std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000),
            );
        }
    }
}

#[test]
fn finding_09_damaged_wal_databases_are_never_written() {
    // A store in WAL mode whose newest rows are only in its -wal (no
    // checkpoint), copied while open, then damaged in the ways a crash or
    // a careless copy leaves it.
    let src = valid_home();
    let db = src.oc().join("state/openclaw.sqlite");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
        .unwrap();
    c.execute(
        "UPDATE config_machine_state SET updated_at_ms = updated_at_ms + 1",
        [],
    )
    .unwrap();
    let side = |s: &str| std::fs::read(format!("{}{s}", db.display())).unwrap();
    let (main, wal, shm) = (std::fs::read(&db).unwrap(), side("-wal"), side("-shm"));
    assert!(!wal.is_empty() && !shm.is_empty());
    type Variant<'a> = (&'a str, Option<Vec<u8>>, Option<Vec<u8>>);
    let variants: [Variant; 6] = [
        (
            "-wal and its -shm (a live gateway)",
            Some(wal.clone()),
            Some(shm.clone()),
        ),
        ("WAL header, no -wal or -shm", None, None),
        ("-wal without -shm", Some(wal.clone()), None),
        (
            "-wal and a garbage -shm",
            Some(wal.clone()),
            Some(vec![0x5a; shm.len()]),
        ),
        ("an empty -wal", Some(vec![]), None),
        (
            "-wal and a truncated -shm",
            Some(wal.clone()),
            Some(shm[..100].to_vec()),
        ),
    ];
    for (what, w, s) in variants {
        let h = Home::new();
        h.config_anthropic();
        let p = h.write(".openclaw/state/openclaw.sqlite", &main);
        if let Some(w) = &w {
            std::fs::write(format!("{}-wal", p.display()), w).unwrap();
        }
        if let Some(s) = &s {
            std::fs::write(format!("{}-shm", p.display()), s).unwrap();
        }
        age(&h.oc());
        let before = tree(&h.oc());
        for args in [
            vec!["check", "--now", NOW_ISO],
            vec!["status", "--json", "--now", NOW_ISO],
            vec!["doctor", "--json", "--now", NOW_ISO],
            vec!["once"],
        ] {
            let out = run_within(h.command(&args), WAIT);
            if w.as_ref().is_some_and(|w| !w.is_empty()) && args[0] == "check" {
                assert_eq!(
                    rc(&out),
                    0,
                    "{what}: the rows in the -wal are read\n{}",
                    text(&out)
                );
            }
            let after = tree(&h.oc());
            let created: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
            assert!(created.is_empty(), "{what}: {args:?} created {created:?}");
            for (p, b) in &before {
                assert!(
                    after.get(p) == Some(b),
                    "{what}: {args:?} changed {}",
                    p.display()
                );
            }
        }
    }
    drop(c);
}

// ----------------------------------------------- finding 7: linear evaluation

#[test]
fn finding_07_a_huge_store_is_evaluated_in_linear_time() {
    // 20,000 profiles in one store: quadratic evaluation took 35 s for
    // them in a release build; linear takes seconds even unoptimised.
    let h = Home::new();
    h.config_anthropic();
    let mut profiles = serde_json::Map::new();
    for i in 0..20_000 {
        profiles.insert(
            format!("anthropic:p{i:05}"),
            tok(
                NOW_MS + (i % 90 + 2) * common::D,
                &format!("sk-ant-oat01-FAKE-{i:05}"),
            ),
        );
    }
    h.store(serde_json::Value::Object(profiles), None);
    let t = Instant::now();
    let out = run_within(h.command(&["status", "--json", "--now", NOW_ISO]), WAIT);
    assert_eq!(rc(&out), 0, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v.to_string().matches("anthropic:p").count();
    assert!(n >= 20_000, "every profile reported ({n})");
    assert!(
        t.elapsed() < Duration::from_secs(45),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn finding_06_sighup_during_a_held_delivery_never_delays_sigterm() {
    use std::os::unix::fs::OpenOptionsExt;
    let h = Home::new();
    h.config_anthropic().store(
        serde_json::json!({"anthropic:manual": tok(now_ms() - common::H, "sk-ant-oat01-FAKE-hup")}),
        None,
    );
    let hold = h.path().join("hold.fifo");
    mkfifo(&hold);
    let state = h.path().join("state/alert-state.json");
    let cfg = format!(
        "[check]\nschedule = \"0 0 30 2 *\"\n\n[alert]\nstate_file = {state:?}\n\n\
         [[alert.command]]\nname = \"held\"\nargv = [\"/bin/cat\", {hold:?}]\ntimeout = \"10m\"\n",
        state = state.display().to_string(),
        hold = hold.display().to_string(),
    );
    let d = Daemon::start(&h, &cfg);
    // The delivery is under way once `cat` has the FIFO open for reading
    // (a non-blocking open for writing succeeds only then); holding our
    // end open keeps it blocked in read.
    let writer = common::wait_for("the held delivery", WAIT, || {
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&hold)
            .ok()
    });
    d.signal(libc::SIGHUP);
    // `terminate` asserts exit 0 within 1 s.
    d.terminate();
    drop(writer);
}
