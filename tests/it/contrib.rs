//! contrib/: the shell scripts pass shellcheck, the bats suites (stub
//! termux-*/systemctl/loginctl commands) pass, every systemd unit passes
//! `systemd-analyze verify` without a single warning, the system daemon unit's
//! `systemd-analyze security` exposure is <= 2.0, and the timer path works end
//! to end without systemd: the one-shot unit's ExecStart line, as written,
//! run against a fixture home, writes a textfile node_exporter reads without
//! error and exits with the check code.
//!
//! A missing tool (shellcheck, bats, systemd-analyze, prometheus-node-exporter)
//! fails the test when CI=true, else it is skipped with a message.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clawwatch"))
}

use crate::common::require;

fn have_tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require(ok, name)
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A command without the caller's CLAWWATCH_* variables (clawwatch reads
/// every one of them as a config override).
fn cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CLAWWATCH_") {
            c.env_remove(k);
        }
    }
    c
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The interpreter a script's shebang names ("sh", "bash", "bats"), if any.
fn shebang_interpreter(path: &Path) -> Option<String> {
    let text = std::fs::read(path).ok()?;
    let first = text.split(|b| *b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?;
    let rest = first.strip_prefix("#!")?;
    let mut words = rest.split_whitespace();
    let mut prog = words.next()?.rsplit('/').next()?.to_string();
    if prog == "env" {
        prog = words.next()?.to_string();
    }
    Some(prog)
}

#[test]
#[cfg_attr(not(have_shellcheck), ignore = "needs shellcheck")]
fn shellcheck_every_contrib_script() {
    if !have_tool("shellcheck") {
        return;
    }
    let mut files = vec![];
    // The benchmark and oracle scripts too: they are run by hand, rarely,
    // so a mistake in them would otherwise go unnoticed.
    for dir in ["contrib", "bench", "tests/oracle"] {
        walk(&root().join(dir), &mut files);
    }
    let mut checked = vec![];
    let mut failures = vec![];
    for f in files {
        let interp = shebang_interpreter(&f);
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        let is_script = matches!(interp.as_deref(), Some("sh" | "bash" | "dash" | "bats"))
            || matches!(ext, "sh" | "bash" | "bats");
        if !is_script {
            continue;
        }
        let mut c = Command::new("shellcheck");
        // -x: follow `. bench/lib.sh`, which resolves from the repository root.
        c.arg("-x").current_dir(root());
        if interp.as_deref() == Some("sh") {
            c.args(["-s", "sh"]); // POSIX mode: these run under Termux's or Debian's sh
        }
        let o = c.arg(&f).output().expect("run shellcheck");
        if !o.status.success() {
            failures.push(format!("{}:\n{}", f.display(), show(&o)));
        }
        checked.push(f.strip_prefix(root()).unwrap().display().to_string());
    }
    for must in [
        "contrib/systemd/install.sh",
        "contrib/termux/install.sh",
        "contrib/termux/clawwatch-job",
        "contrib/termux/clawwatch-notify",
        "contrib/termux/service/run",
        "contrib/termux/service/log/run",
        "contrib/termux/shortcuts/clawwatch-status",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} was not checked: {checked:?}"
        );
    }
    assert!(failures.is_empty(), "shellcheck:\n{}", failures.join("\n"));
}

#[test]
#[cfg_attr(not(have_bats), ignore = "needs bats")]
fn bats_suites_for_termux_and_systemd() {
    if !have_tool("bats") {
        return;
    }
    let o = cmd("bats")
        .args(["contrib/termux/tests", "contrib/systemd/tests"])
        .current_dir(root())
        .env("TEST_CLAWWATCH_BIN", bin())
        .output()
        .expect("run bats");
    let out = String::from_utf8_lossy(&o.stdout);
    println!("{out}");
    assert!(o.status.success(), "bats failed:\n{}", show(&o));
    assert!(out.contains("ok 1 "), "bats ran no test:\n{out}");
}

/// The units of one flavour (system or user), placeholders filled in as
/// install.sh would, written together into `dir`.
fn render_units(flavour: &str, dir: &Path, subst: &BTreeMap<&str, String>) -> Vec<PathBuf> {
    let mut files = vec![];
    walk(&root().join("contrib/systemd").join(flavour), &mut files);
    let mut out = vec![];
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if !(name.ends_with(".service") || name.ends_with(".timer")) {
            continue;
        }
        let mut text = std::fs::read_to_string(&f).unwrap();
        for (k, v) in subst {
            text = text.replace(k, v);
        }
        assert!(
            !text.contains("@BINARY@") && !text.contains("@CONFIG@") && !text.contains("@USER@"),
            "{name}: a placeholder is left"
        );
        let p = dir.join(&name);
        std::fs::write(&p, text).unwrap();
        out.push(p);
    }
    assert_eq!(out.len(), 3, "{flavour}: expected 3 units, got {out:?}");
    out
}

fn substitutions(flavour: &str, home: &str, config: &str) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    m.insert("@BINARY@", bin().display().to_string());
    m.insert("@OPENCLAW_HOME@", home.to_string());
    m.insert("@CONFIG@", config.to_string());
    if flavour == "system" {
        m.insert("@USER@", "openclaw".to_string());
    }
    m
}

#[test]
#[cfg_attr(not(have_systemd_analyze), ignore = "needs systemd-analyze")]
fn systemd_analyze_verify_every_unit_without_a_warning() {
    if !have_tool("systemd-analyze") {
        return;
    }
    for flavour in ["system", "user"] {
        let tmp = tempfile::tempdir().unwrap();
        let (home, config) = if flavour == "system" {
            ("/home/openclaw", "/etc/clawwatch/clawwatch.toml")
        } else {
            ("%h", "%h/.config/clawwatch/clawwatch.toml")
        };
        let units = render_units(flavour, tmp.path(), &substitutions(flavour, home, config));
        let runtime = tmp.path().join("runtime");
        std::fs::create_dir(&runtime).unwrap();
        let mut c = Command::new("systemd-analyze");
        if flavour == "user" {
            c.arg("--user").env("XDG_RUNTIME_DIR", &runtime);
        }
        let o = c
            .arg("verify")
            .args(&units)
            .env("SYSTEMD_LOG_COLOR", "0")
            .output()
            .expect("run systemd-analyze verify");
        // Unknown keys only warn (exit 0): any output at all fails.
        assert!(
            o.status.success() && o.stderr.is_empty() && o.stdout.is_empty(),
            "systemd-analyze verify ({flavour} units):\n{}",
            show(&o)
        );
    }
}

fn exposure(stdout: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.contains("Overall exposure level for"))
        .unwrap_or_else(|| panic!("no exposure line in:\n{stdout}"));
    let after = line.rsplit_once(": ").map(|(_, b)| b).unwrap_or(line);
    after
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the exposure in {line:?}"))
}

#[test]
#[cfg_attr(not(have_systemd_analyze), ignore = "needs systemd-analyze")]
fn systemd_analyze_security_of_the_system_daemon_is_at_most_2() {
    if !have_tool("systemd-analyze") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let units = render_units(
        "system",
        tmp.path(),
        &substitutions("system", "/home/openclaw", "/etc/clawwatch/clawwatch.toml"),
    );
    let unit = |name: &str| units.iter().find(|u| u.ends_with(name)).unwrap().clone();
    let o = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20", "--no-pager"])
        .arg(unit("clawwatch.service"))
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .expect("run systemd-analyze security");
    let out = String::from_utf8_lossy(&o.stdout);
    let level = exposure(&out);
    println!("system clawwatch.service: overall exposure {level}");
    assert!(o.status.success(), "exposure above 2.0:\n{}", show(&o));
    assert!(level <= 2.0, "exposure {level} > 2.0:\n{out}");
    // The one-shot unit has the same sandbox.
    let o = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20", "--no-pager"])
        .arg(unit("clawwatch-once.service"))
        .output()
        .expect("run systemd-analyze security");
    let level = exposure(&String::from_utf8_lossy(&o.stdout));
    println!("system clawwatch-once.service: overall exposure {level}");
    assert!(o.status.success() && level <= 2.0, "{}", show(&o));
}

// ------------------------------------------------------------ timer path

/// Copy a fixture home, making it writable (fixtures are read-only) so the
/// temp dir can be removed.
fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
}

/// Expand the specifiers our units use, as systemd would.
fn expand_specifiers(s: &str, state: &Path, home: &Path) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('S') => out.push_str(&state.display().to_string()),
            Some('h') => out.push_str(&home.display().to_string()),
            Some('%') => out.push('%'),
            other => panic!("unit uses specifier %{other:?} that this test does not expand: {s}"),
        }
    }
    out
}

struct Killer(Child);
impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

/// node_exporter's textfile collector reading `dir`: its /metrics.
fn scrape_textfile_dir(dir: &Path) -> String {
    let port = free_port();
    let log = std::fs::File::create(dir.with_extension("node-exporter.log")).unwrap();
    let child = Command::new("prometheus-node-exporter")
        .arg("--collector.disable-defaults")
        .arg("--collector.textfile")
        .arg(format!("--collector.textfile.directory={}", dir.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start prometheus-node-exporter");
    let _guard = Killer(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(body) = http_get(port, "/metrics")
            && body.contains("node_textfile_scrape_error")
        {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "node_exporter did not answer on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(not(have_node_exporter), ignore = "needs prometheus-node-exporter")]
fn timer_path_end_to_end_without_systemd() {
    if !have_tool("prometheus-node-exporter") {
        return;
    }
    let fixture = root().join("tests/fixtures/hand/06-token-expiring-3h");
    if !require(fixture.is_dir(), "tests/fixtures/hand/06-token-expiring-3h") {
        return;
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("fixture.json")).unwrap())
            .unwrap();
    let now = meta["generated_at_iso"]
        .as_str()
        .expect("generated_at_iso")
        .to_string();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("expected.json")).unwrap())
            .unwrap();
    let expected_rc = expected["rc"].as_i64().expect("rc") as i32;

    for flavour in ["system", "user"] {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        copy_tree(&fixture.join("home"), &home);
        let state = tmp.path().join("state"); // %S
        // The config install.sh writes by default: `clawwatch config example`.
        let config = tmp.path().join("clawwatch.toml");
        let example = cmd(bin()).args(["config", "example"]).output().unwrap();
        assert!(example.status.success(), "{}", show(&example));
        std::fs::write(&config, &example.stdout).unwrap();

        let unit_path = root()
            .join("contrib/systemd")
            .join(flavour)
            .join("clawwatch-once.service");
        let unit = std::fs::read_to_string(&unit_path).unwrap();
        let mut subst = substitutions(
            flavour,
            &home.display().to_string(),
            &config.display().to_string(),
        );
        subst.insert("@USER@", "openclaw".into());
        let fill = |line: &str| {
            let mut l = line.to_string();
            for (k, v) in &subst {
                l = l.replace(k, v);
            }
            expand_specifiers(&l, &state, &home)
        };
        let exec: Vec<&str> = unit
            .lines()
            .filter(|l| l.starts_with("ExecStart="))
            .collect();
        assert_eq!(exec.len(), 1, "{flavour}: one ExecStart line: {exec:?}");
        let exec = fill(exec[0].trim_start_matches("ExecStart="));
        assert!(
            exec.starts_with('/'),
            "ExecStart without prefix characters: {exec}"
        );
        assert!(
            !exec.contains(['"', '\'', '$', '\\']),
            "this test splits on spaces only: {exec}"
        );
        let argv: Vec<&str> = exec.split_whitespace().collect();

        // The environment systemd would give it: its Environment= lines (and
        // a PATH); the StateDirectory= created beforehand.
        let mut c = Command::new(argv[0]);
        c.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin");
        for l in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
            let l = fill(l);
            let (k, v) = l.split_once('=').expect("KEY=value");
            c.env(k, v);
        }
        assert!(unit.lines().any(|l| l == "StateDirectory=clawwatch"));
        std::fs::create_dir_all(state.join("clawwatch")).unwrap();
        // --now: the fixture's verdict is stable only at the time it was made.
        let o = c
            .args(&argv[1..])
            .args(["--now", &now])
            .output()
            .expect("run ExecStart");

        // It exits with the check code.
        let check = cmd(bin())
            .env("HOME", &home)
            .env_remove("OPENCLAW_STATE_DIR")
            .args(["check", "--all-agents", "--now", &now])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(expected_rc),
            "{flavour} ExecStart {exec}:\n{}",
            show(&o)
        );
        assert_eq!(
            o.status.code(),
            check.status.code(),
            "once and check disagree"
        );

        // The textfile is where the unit says, and node_exporter reads it.
        let textfile = argv
            .windows(2)
            .find(|w| w[0] == "--textfile")
            .map(|w| PathBuf::from(w[1]))
            .expect("--textfile in ExecStart");
        assert!(
            textfile.starts_with(state.join("clawwatch")),
            "{textfile:?}"
        );
        let text = std::fs::read_to_string(&textfile).expect("textfile written");
        assert!(
            text.contains(&format!("openclaw_auth_check_status {expected_rc}")),
            "{text}"
        );
        let scraped = scrape_textfile_dir(textfile.parent().unwrap());
        assert!(
            scraped.lines().any(|l| l == "node_textfile_scrape_error 0"),
            "node_exporter could not read {}:\n{scraped}",
            textfile.display()
        );
        assert!(
            scraped.contains(&format!("openclaw_auth_check_status {expected_rc}")),
            "node_exporter does not export clawwatch's series:\n{scraped}"
        );
        println!(
            "{flavour}: `{exec} --now {now}` exited {expected_rc}; node_textfile_scrape_error 0"
        );
    }
}
