//! Alerts to a real Alertmanager (Debian's prometheus-alertmanager) on a
//! free loopback port: the alert appears in /api/v2/alerts with the right
//! labels, stays while firing and is resolved after the fix. Real clock:
//! Alertmanager judges startsAt/endsAt by its own.

use crate::common;
use crate::support;

use clawwatch::alert::Alerter;
use clawwatch::config::HeartbeatConfig;
use clawwatch::config::alert::{AlertConfig, AlertmanagerConfig};
use common::H;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::*;

const BIN: &str = "prometheus-alertmanager";

struct Am {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Am {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Alertmanager on PATH (Debian's prometheus-alertmanager).
fn find_bin() -> Option<String> {
    have(BIN, "--version").then(|| BIN.to_string())
}

fn get(url: &str) -> Option<(u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().ok()?;
    let status = r.status().as_u16();
    Some((status, r.body_mut().read_to_string().unwrap_or_default()))
}

fn start(bin: &str) -> Am {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("alertmanager.yml");
    std::fs::write(
        &cfg,
        "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n",
    )
    .unwrap();
    // Retry on another port if the chosen one was taken meanwhile.
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start alertmanager");
        let url = format!("http://127.0.0.1:{port}");
        let mut am = Am {
            child,
            url,
            _dir: tempfile::tempdir().unwrap(),
        };
        let ready = wait_until(Duration::from_secs(30), || {
            if let Ok(Some(_)) = am.child.try_wait() {
                return true;
            }
            get(&format!("{}/-/ready", am.url)).is_some_and(|(s, _)| s == 200)
        });
        if ready && am.child.try_wait().ok().flatten().is_none() {
            am._dir = dir;
            return am;
        }
    }
    panic!("alertmanager did not become ready");
}

fn alerts(am: &Am) -> Vec<serde_json::Value> {
    let (s, body) = get(&format!("{}/api/v2/alerts", am.url)).expect("GET alerts");
    assert_eq!(s, 200, "{body}");
    serde_json::from_str::<Vec<serde_json::Value>>(&body).expect("alerts JSON")
}

fn ours(am: &Am) -> Vec<serde_json::Value> {
    alerts(am)
        .into_iter()
        .filter(|a| a["labels"]["alertname"] == "OpenClawCredentialExpiredOrMissing")
        .collect()
}

fn active(a: &serde_json::Value) -> bool {
    let ends = a["endsAt"].as_str().unwrap_or_default();
    let ends = chrono::DateTime::parse_from_rfc3339(ends).map(|t| t.timestamp_millis());
    a["status"]["state"] == "active"
        && ends.is_ok_and(|e| e > chrono::Utc::now().timestamp_millis())
}

#[test]
#[cfg_attr(not(have_alertmanager), ignore = "needs prometheus-alertmanager")]
fn alert_appears_with_labels_and_resolves_after_the_fix() {
    let Some(bin) = find_bin() else {
        common::require(
            false,
            "prometheus-alertmanager (apt-get install prometheus-alertmanager)",
        );
        return;
    };
    let am = start(&bin);
    let now = chrono::Utc::now().timestamp_millis();
    let home = home_with_token("anthropic:manual", now - 2 * H);
    let dir = tempfile::tempdir().unwrap();
    let cfg = AlertConfig {
        state_file: dir.path().join("alert-state.json").display().to_string(),
        alertmanager: vec![AlertmanagerConfig {
            name: "am".into(),
            url: am.url.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut a = Alerter::new(
        &cfg,
        &HeartbeatConfig::default(),
        &env_home(dir.path()),
        None,
    )
    .unwrap();
    a.set_host("testhost");

    let t = chrono::Utc::now();
    let o = a.cycle(&report(&home, t.timestamp_millis()), t);
    assert_eq!((o.delivered, o.failed), (1, 0), "{o:?}");
    assert!(
        wait_until(Duration::from_secs(20), || ours(&am).iter().any(active)),
        "the alert never became active: {:?}",
        alerts(&am)
    );
    // Expired: every expiry band is held up (the lower ones are for the
    // inhibit rules to silence), so an escalation never resolves one.
    let names: std::collections::BTreeSet<String> = alerts(&am)
        .iter()
        .map(|a| {
            a["labels"]["alertname"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "OpenClawCredentialExpiredOrMissing",
            "OpenClawCredentialExpiringCritical",
            "OpenClawCredentialExpiringSoon"
        ]
        .map(String::from)
        .into(),
    );
    let list = ours(&am);
    assert_eq!(list.len(), 1, "{list:?}");
    let al = &list[0];
    let labels = &al["labels"];
    assert_eq!(labels["severity"], "critical");
    assert_eq!(labels["agent"], "main");
    assert_eq!(labels["provider"], "anthropic");
    assert_eq!(labels["profile"], "anthropic:manual");
    assert_eq!(labels["host"], "testhost");
    assert!(labels.get("instance").is_none());
    assert!(
        al["annotations"]["fix"]
            .as_str()
            .unwrap()
            .contains("claude setup-token")
    );
    assert!(
        al["annotations"]["summary"]
            .as_str()
            .unwrap()
            .contains("anthropic:manual (agent main) expired")
    );
    assert!(!serde_json::to_string(al).unwrap().contains("FAKE-SECRET"));

    // Still firing: no new notice, but the alert is re-posted (kept active).
    let t = chrono::Utc::now();
    let o = a.cycle(&report(&home, t.timestamp_millis()), t);
    assert_eq!((o.delivered, o.failed), (0, 0), "{o:?}");
    assert!(ours(&am).iter().any(active));

    // Fixed: resolved (endsAt now), no longer active.
    set_token(&home, "anthropic:manual", now + 365 * 24 * H);
    let t = chrono::Utc::now();
    let o = a.cycle(&report(&home, t.timestamp_millis()), t);
    assert_eq!((o.delivered, o.failed), (1, 0), "{o:?}");
    assert!(
        wait_until(Duration::from_secs(20), || !ours(&am).iter().any(active)),
        "still active after the fix: {:?}",
        ours(&am)
    );
}

#[test]
#[cfg_attr(not(have_alertmanager), ignore = "needs prometheus-alertmanager")]
fn alertmanager_down_is_retried() {
    let now = chrono::Utc::now().timestamp_millis();
    let home = home_with_token("anthropic:manual", now - H);
    let dir = tempfile::tempdir().unwrap();
    let cfg = AlertConfig {
        state_file: dir.path().join("s.json").display().to_string(),
        alertmanager: vec![AlertmanagerConfig {
            url: format!("http://127.0.0.1:{}", free_port()),
            timeout: Duration::from_secs(2),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut a = Alerter::new(
        &cfg,
        &HeartbeatConfig::default(),
        &env_home(dir.path()),
        None,
    )
    .unwrap();
    let o = a.cycle(&report(&home, now), at(now));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 1, 1), "{o:?}");
}
