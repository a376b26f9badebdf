//! `clawwatch run` and `once` driven as processes: /metrics, /healthz,
//! signals, re-auth without restart, a real Prometheus scraping it, and the
//! node_exporter textfile. Servers bind 127.0.0.1 on free ports; waits poll
//! with a deadline (no sleep is used as synchronisation).

use crate::common;
use crate::common::daemon;
use crate::support;
use common::*;
use daemon::{Daemon, http_get, metric};
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

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
#[cfg_attr(not(have_promtool), ignore = "needs promtool")]
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
    d.terminate();
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
    d.terminate();
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
    d.signal(libc::SIGHUP);
    d.wait_log("keeping the previous one");
    let logs = d.logs();
    assert!(logs.contains("check.schedule"), "{logs}");
    // Still cycling every second on the old schedule, and healthy.
    d.after_runs(before + 2.0);
    assert_eq!(http_get(d.port, "/healthz", None).map(|r| r.0), Some(200));
    // A valid reload takes effect.
    h.write("clawwatch.toml", "[check]\nschedule = \"0 0 1 1 *\"\n");
    d.signal(libc::SIGHUP);
    d.wait_log("configuration reloaded");
    d.terminate();
}

#[test]
#[cfg_attr(not(have_prometheus), ignore = "needs prometheus")]
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
    d.terminate();
}

#[test]
#[cfg_attr(
    not(all(have_node_exporter, have_promtool)),
    ignore = "needs prometheus-node-exporter and promtool"
)]
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

/// `[check] timezone`: an IANA name, "local" (TZ, else the system's), or
/// UTC; anything else is refused naming the key.
#[test]
fn config_timezones() {
    let check = |tz: &str, env_tz: Option<&str>| {
        let mut h = Home::new();
        if let Some(v) = env_tz {
            h = h.env("TZ", v);
        }
        let p = h.write(
            "tz.toml",
            format!("[check]\nschedule = \"0 9 * * *\"\ntimezone = \"{tz}\"\n"),
        );
        h.run(&["config", "check", "--config", &p.to_string_lossy()])
    };
    for (tz, env_tz) in [
        ("Europe/Berlin", None),
        ("America/New_York", None),
        ("UTC", None),
        ("", None),
        ("local", Some("Asia/Tokyo")),
        ("local", Some(":Asia/Tokyo")),
    ] {
        let o = check(tz, env_tz);
        assert_eq!(rc(&o), 0, "{tz} TZ={env_tz:?}: {}", text(&o));
    }
    let o = check("Mars/Olympus", None);
    assert_eq!(rc(&o), 1);
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("check.timezone: \"Mars/Olympus\" is not an IANA time zone name"),
        "{}",
        text(&o)
    );
    // A POSIX TZ rule is not a zone name.
    let o = check("local", Some("CET-1CEST"));
    assert_eq!(rc(&o), 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("\"local\" is \"CET-1CEST\""),
        "{}",
        text(&o)
    );
}

// ------------------------------------------------------------ doctor in cycles

const LEGACY_SECRET: &str = "sk-ant-oat01-FAKE-legacy-json-secret-7r5t3";
const STORE_SECRET: &str = "sk-ant-api03-FAKE-doctor-agent-store-k9m2";

/// A legacy auth-profiles.json (holding a fake token) in the main agent dir.
fn legacy_json(h: &Home) -> std::path::PathBuf {
    h.write(
        ".openclaw/agents/main/agent/auth-profiles.json",
        json!({"version":1,"profiles":{"anthropic:old":{"type":"token","provider":"anthropic","token":LEGACY_SECRET}}}).to_string(),
    )
}

/// A home with an anthropic default whose API key `store` writes, and a
/// legacy auth-profiles.json beside it. Run the daemon on it with email
/// alerts for doctor findings of `severity` and up; assert the finding
/// series, exactly one mail whose subject holds `subject_has` and names
/// `openclaw doctor --fix`, then after removing the legacy file the series
/// at 0 and exactly one resolved mail whose subject holds `resolved_has`.
fn doctor_in_cycles(
    store: impl FnOnce(&Home, serde_json::Value),
    severity: &str,
    subject_has: &str,
    resolved_has: &str,
) {
    if !support::have_aiosmtpd() {
        return;
    }
    let h = &Home::new();
    h.config_anthropic();
    store(
        h,
        json!({"anthropic:key": {"type":"api_key","provider":"anthropic","key":STORE_SECRET}}),
    );
    let legacy = legacy_json(h);
    chmod_private(h.path());
    // What doctor says about this home: the legacy file is the only
    // warning or error.
    let out = h.run(&["doctor", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doctor --json");
    let loud: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| (f["id"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(loud, [("legacy-auth-profiles-json", severity)], "{doc:#}");

    let smtp = support::Smtp::start(support::SmtpOptions::default());
    let state = tempfile::tempdir().unwrap();
    let config = format!(
        "[check]\nschedule = \"* * * * * *\"\n\n[alert]\nstate_file = \"{}\"\nhost = \"box\"\ndoctor = \"warning\"\n\n[[alert.email]]\nname = \"ops-mail\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"clawwatch@example.org\"\nto = [\"ops@example.org\"]\n",
        state.path().join("alert-state.json").display(),
        smtp.port
    );
    let d = Daemon::start(h, &config);
    let series = format!(
        "openclaw_doctor_finding{{agent=\"main\",id=\"legacy-auth-profiles-json\",severity=\"{severity}\"}}"
    );
    let body = wait_for("the finding in /metrics", Duration::from_secs(20), || {
        let b = d.metrics();
        (metric(&b, &series) == Some(1.0)).then_some(b)
    });
    assert_eq!(
        metric(
            &body,
            &format!("openclaw_doctor_findings{{severity=\"{severity}\"}}")
        ),
        Some(1.0),
        "{body}"
    );
    let status = if severity == "error" { 1.0 } else { 2.0 };
    assert_eq!(metric(&body, "openclaw_doctor_status"), Some(status));
    promtool_check(&body);

    wait_for("one mail", Duration::from_secs(20), || {
        (!smtp.messages().is_empty()).then_some(())
    });
    // Several more cycles: still one mail.
    let runs = metric(&d.metrics(), "openclaw_auth_check_runs_total").unwrap();
    d.after_runs(runs + 3.0);
    let mails = smtp.messages();
    let subjects = || {
        smtp.messages()
            .iter()
            .map(|m| m.subject().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(mails.len(), 1, "{:?}", subjects());
    let m = &mails[0];
    assert!(m.subject().contains(subject_has), "{}", m.subject());
    assert!(m.text().contains("openclaw doctor --fix"), "{}", m.text());
    for secret in [LEGACY_SECRET, STORE_SECRET] {
        assert!(!m.raw.contains(secret) && !m.raw.contains(&secret[..16]));
    }

    // Fixed: the series drops to 0 and one resolved mail goes out.
    std::fs::remove_file(&legacy).unwrap();
    let body = wait_for("the finding at 0", Duration::from_secs(20), || {
        let b = d.metrics();
        (metric(&b, &series) == Some(0.0)).then_some(b)
    });
    assert_eq!(metric(&body, "openclaw_doctor_status"), Some(0.0), "{body}");
    assert_eq!(metric(&body, "openclaw_auth_check_status"), Some(0.0));
    promtool_check(&body);
    wait_for("the resolved mail", Duration::from_secs(20), || {
        (smtp.messages().len() >= 2).then_some(())
    });
    let runs = metric(&d.metrics(), "openclaw_auth_check_runs_total").unwrap();
    d.after_runs(runs + 3.0);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2, "{:?}", subjects());
    assert!(
        mails[1].subject().starts_with("[clawwatch] RESOLVED"),
        "{}",
        mails[1].subject()
    );
    assert!(
        mails[1].subject().contains(resolved_has),
        "{}",
        mails[1].subject()
    );
    d.terminate();
}

/// Beside the state-db store, OpenClaw refuses to run while the legacy
/// file exists: doctor's error shows in /metrics, and the one mail is the
/// agent's critical alert naming `openclaw doctor --fix` (the finding is
/// not mailed a second time).
#[test]
#[cfg_attr(
    not(all(have_aiosmtpd, have_promtool)),
    ignore = "needs aiosmtpd and promtool"
)]
fn doctor_error_in_cycles_metrics_and_one_mail() {
    doctor_in_cycles(
        |h, profiles| {
            h.store(profiles, None);
        },
        "error",
        "CRITICAL box: agent main cannot be checked",
        "agent main can be checked again",
    );
}

/// Beside a legacy-main agent DB that holds profiles, OpenClaw ignores the
/// legacy file: doctor warns, and with `[alert] doctor = "warning"` the
/// finding itself is the alert (keyed by finding id and agent).
#[test]
#[cfg_attr(
    not(all(have_aiosmtpd, have_promtool)),
    ignore = "needs aiosmtpd and promtool"
)]
fn doctor_warning_in_cycles_is_its_own_alert() {
    doctor_in_cycles(
        |h, profiles| {
            h.agent_store("main", profiles, None);
        },
        "warning",
        "WARNING box: agent main doctor reports legacy-auth-profiles-json",
        "agent main doctor no longer reports legacy-auth-profiles-json",
    );
}
