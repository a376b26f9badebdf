//! Alerts across hosts, live: a real two-peer Alertmanager cluster (Debian's
//! prometheus-alertmanager) loading contrib/alertmanager/alertmanager.yml
//! (timings shortened, receivers pointed at a webhook sink), two `clawwatch
//! run` daemons with the same agent and profile ids and different `[alert]
//! host`, and the same scenario through a real Prometheus loading
//! contrib/prometheus/alerts.yml (`for:` shortened).
//!
//! Scenario, on both hosts: expiring (20 h) → under the critical threshold
//! (1 h) → expired → fixed on host A, then on host B. On the clawwatch path
//! one Alertmanager peer is killed after the first step and restarted after
//! the second (clawwatch retries it after its backoff). Per host
//! and route the receiver gets exactly one notification per step and one
//! resolved per fix; never a resolved while it got worse.
//!
//! Time is real (the daemons have no injected clock): the token's expiry is
//! rewritten relative to now, in one SQLite transaction.

use crate::common::daemon::{Daemon, WAIT, metric};
use crate::common::{self, D, H, Home};
use crate::support::{HttpSink, free_port, set_token, wait_until};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const AM: &str = "prometheus-alertmanager";
const HOSTS: [&str; 2] = ["host-a", "host-b"];
const PROFILE: &str = "anthropic:manual";
const SOON: &str = "OpenClawCredentialExpiringSoon";
const CRIT: &str = "OpenClawCredentialExpiringCritical";
const GONE: &str = "OpenClawCredentialExpiredOrMissing";
const FIX: &str =
    "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn http(url: &str) -> Option<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().ok()?;
    (r.status().as_u16() == 200).then(|| r.body_mut().read_to_string().unwrap_or_default())
}

// ------------------------------------------------------------ homes

fn home() -> Home {
    let h = Home::new();
    h.config_anthropic();
    set_token(&h, PROFILE, now_ms() + 400 * D);
    common::chmod_private(h.path());
    h
}

/// The token now expires `left_ms` from now: one UPDATE, so a cycle never
/// sees the store half written.
fn expire_in(h: &Home, left_ms: i64) {
    let db = h.oc().join("state").join("openclaw.sqlite");
    let c = rusqlite::Connection::open(&db).expect("open store");
    let profiles = serde_json::json!({
        "version": 1,
        "profiles": { PROFILE: common::tok(now_ms() + left_ms, crate::support::SECRET_TOKEN) }
    });
    c.execute(
        "UPDATE config_machine_state SET value_json = ?1 WHERE state_key = 'authProfiles.store'",
        [profiles.to_string()],
    )
    .expect("update store");
}

// ------------------------------------------------------------ Alertmanager cluster

struct Peer {
    child: Option<Child>,
    web: u16,
    cluster: u16,
}

/// Two clustered Alertmanager peers on loopback.
struct Cluster {
    peers: [Peer; 2],
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start(receiver: &str) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let cfg = std::fs::read_to_string(root().join("contrib/alertmanager/alertmanager.yml"))
            .unwrap()
            .replace("http://127.0.0.1:5001", receiver)
            .replace("group_wait: 30s", "group_wait: 1s")
            .replace("group_interval: 5m", "group_interval: 2s")
            .replace("repeat_interval: 12h", "repeat_interval: 1h");
        assert!(cfg.contains(receiver) && cfg.contains("group_interval: 2s"));
        std::fs::write(dir.path().join("alertmanager.yml"), cfg).unwrap();
        let peer = || Peer {
            child: None,
            web: free_port(),
            cluster: free_port(),
        };
        let mut c = Cluster {
            peers: [peer(), peer()],
            dir,
        };
        c.spawn(0);
        c.spawn(1);
        c.wait_formed();
        c
    }

    fn url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.peers[i].web)
    }

    fn spawn(&mut self, i: usize) {
        let other = self.peers[1 - i].cluster;
        let p = &self.peers[i];
        let data = self.dir.path().join(format!("data-{i}"));
        let child = Command::new(AM)
            .arg(format!(
                "--config.file={}",
                self.dir.path().join("alertmanager.yml").display()
            ))
            .arg(format!("--storage.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{}", p.web))
            .arg(format!("--cluster.listen-address=127.0.0.1:{}", p.cluster))
            .arg(format!(
                "--cluster.advertise-address=127.0.0.1:{}",
                p.cluster
            ))
            .arg(format!("--cluster.peer=127.0.0.1:{other}"))
            .arg("--cluster.peer-timeout=500ms")
            .arg("--cluster.gossip-interval=50ms")
            .arg("--cluster.pushpull-interval=2s")
            .arg("--cluster.reconnect-interval=1s")
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start alertmanager");
        self.peers[i].child = Some(child);
        let url = format!("{}/-/ready", self.url(i));
        assert!(
            wait_until(WAIT, || http(&url).is_some()),
            "alertmanager peer {i} not ready"
        );
    }

    /// Both peers see each other.
    fn wait_formed(&self) {
        for i in 0..2 {
            let url = format!("{}/api/v2/status", self.url(i));
            let formed = wait_until(WAIT, || {
                http(&url)
                    .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
                    .is_some_and(|v| {
                        v["cluster"]["status"] == "ready"
                            && v["cluster"]["peers"]
                                .as_array()
                                .is_some_and(|p| p.len() == 2)
                    })
            });
            assert!(formed, "peer {i}: the cluster never formed");
        }
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.peers[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.kill(0);
        self.kill(1);
    }
}

// ------------------------------------------------------------ what the receiver got

/// One webhook notification: the route (receiver path), its host, its
/// status and the alertnames it reports firing and resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Note {
    status: String,
    firing: Vec<String>,
    resolved: Vec<String>,
}

type Seen = BTreeMap<(String, String), Vec<Note>>;

fn note(status: &str, firing: &[&str], resolved: &[&str]) -> Note {
    let v = |s: &[&str]| {
        let mut v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
        v.sort();
        v
    };
    Note {
        status: status.into(),
        firing: v(firing),
        resolved: v(resolved),
    }
}

thread_local! {
    /// Tolerate a peer's repeat of a firing notification the group already
    /// had (see [`seen`]).
    static REPEATS_OK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// (host, route) → notifications in arrival order; the alerts of each.
///
/// With `REPEATS_OK` (the Prometheus path), a notification equal to an
/// earlier one of its group is left out: Alertmanager's cluster is
/// at-least-once, and when Prometheus' update reaches the second peer a
/// moment after the first (a loaded machine), that peer may send what it
/// saw just before (the previous step) again, and then the step again. The
/// steps themselves must still arrive, in order, each once at least, and
/// nothing resolves before its fix.
fn seen(sink: &HttpSink) -> (Seen, Vec<serde_json::Value>) {
    let (mut got, alerts) = seen_raw(sink);
    if REPEATS_OK.with(|r| r.get()) {
        for notes in got.values_mut() {
            let mut kept: Vec<Note> = vec![];
            for n in notes.drain(..) {
                // The alerts of one fix may resolve in two evaluations and
                // so reach the receiver as two notifications.
                let merge = kept
                    .last()
                    .is_some_and(|l| is_resolved(l) && is_resolved(&n));
                if merge {
                    if let Some(last) = kept.last_mut() {
                        last.resolved.extend(n.resolved);
                        last.resolved.sort();
                        last.resolved.dedup();
                    }
                } else if !kept.contains(&n) {
                    kept.push(n);
                }
            }
            *notes = kept;
        }
    }
    (got, alerts)
}

fn is_resolved(n: &Note) -> bool {
    n.status == "resolved" && n.firing.is_empty()
}

/// `got` is a step towards `want`: equal, or (on the Prometheus path) the
/// first part of a fix whose other alerts resolve a moment later.
fn towards(got: &Note, want: &Note) -> bool {
    got == want
        || (REPEATS_OK.with(|r| r.get())
            && is_resolved(got)
            && is_resolved(want)
            && got.resolved.iter().all(|a| want.resolved.contains(a)))
}

fn seen_raw(sink: &HttpSink) -> (Seen, Vec<serde_json::Value>) {
    let mut out = Seen::new();
    let mut alerts = vec![];
    for r in sink.requests() {
        let v = r.json();
        let host = v["groupLabels"]["host"].as_str().unwrap_or("").to_string();
        let mut firing = vec![];
        let mut resolved = vec![];
        for a in v["alerts"].as_array().cloned().unwrap_or_default() {
            let name = a["labels"]["alertname"].as_str().unwrap_or("?").to_string();
            if a["status"] == "firing" {
                firing.push(name);
            } else {
                resolved.push(name);
            }
            alerts.push(a);
        }
        firing.sort();
        resolved.sort();
        out.entry((host, r.path.trim_start_matches('/').to_string()))
            .or_default()
            .push(Note {
                status: v["status"].as_str().unwrap_or("?").to_string(),
                firing,
                resolved,
            });
    }
    (out, alerts)
}

/// Wait until the receiver got exactly `want`; fail at once on anything
/// that is not on the way there.
#[track_caller]
fn expect(sink: &HttpSink, want: &Seen, step: &str) {
    let done = wait_until(WAIT, || {
        let (got, _) = seen(sink);
        for (k, notes) in &got {
            let w = want.get(k).cloned().unwrap_or_default();
            let on_the_way = notes.len() <= w.len()
                && notes
                    .iter()
                    .zip(&w)
                    .enumerate()
                    .all(|(i, (g, x))| g == x || (i + 1 == notes.len() && towards(g, x)));
            if !on_the_way {
                dump(sink);
            }
            assert!(on_the_way, "{step}: {k:?} got {notes:#?}\nwanted {w:#?}");
        }
        &got == want
    });
    assert!(done, "{step}: got {:#?}\nwanted {want:#?}", seen(sink).0);
}

/// Nothing more arrives for `quiet` (a duplicate would).
#[track_caller]
fn stays(sink: &HttpSink, want: &Seen, quiet: Duration, step: &str) {
    let changed = wait_until(quiet, || &seen(sink).0 != want);
    if changed {
        dump(sink);
    }
    assert!(!changed, "{step}: then got {:#?}", seen(sink).0);
}

/// Every notification, one line each (which peer, host, route, alerts).
fn dump(sink: &HttpSink) {
    {
        for r in sink.requests() {
            let v = r.json();
            let alerts: Vec<String> = v["alerts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|a| {
                    format!(
                        "{} {} {} {}",
                        a["labels"]["alertname"], a["status"], a["startsAt"], a["endsAt"]
                    )
                })
                .collect();
            eprintln!(
                "{} {} {} {alerts:?}",
                v["externalURL"], v["groupLabels"]["host"], r.path
            );
        }
    }
}

fn push(want: &mut Seen, host: &str, route: &str, n: Note) {
    want.entry((host.to_string(), route.to_string()))
        .or_default()
        .push(n);
}

/// What a scenario does besides the steps.
struct Hooks<'a> {
    /// Kill one peer after the first step, restart it after the second.
    kill_a_peer: bool,
    /// Runs while the tokens are expired.
    at_expired: &'a mut dyn FnMut(),
    /// Runs after both fixes (with what the receiver has, and when the
    /// killed peer came back).
    after: &'a mut dyn FnMut(&Seen, f64),
}

/// The scenario on both hosts, through whichever path feeds `cluster`.
///
/// Alertmanager's own timing: a peer at cluster position 1 waits
/// `peer-timeout` before it checks what the other sent; `group_interval`
/// is longer than that wait, so a peer never acts on alerts older than
/// what the other one just notified.
fn scenario(
    homes: &[Home; 2],
    sink: &HttpSink,
    cluster: &mut Cluster,
    hooks: Hooks<'_>,
) -> Vec<serde_json::Value> {
    let mut want = Seen::new();
    let both = |left: i64| homes.iter().for_each(|h| expire_in(h, left));

    both(20 * H);
    for h in HOSTS {
        push(&mut want, h, "warning", note("firing", &[SOON], &[]));
    }
    expect(sink, &want, "expiring");
    // Longer than a peer's wait for the other plus a group interval: the
    // cluster has settled on who sent what before the kill.
    stays(
        sink,
        &want,
        Duration::from_secs(4),
        "expiring, both peers up",
    );

    if hooks.kill_a_peer {
        cluster.kill(0);
    }
    both(H);
    for h in HOSTS {
        push(&mut want, h, "critical", note("firing", &[CRIT], &[]));
    }
    expect(sink, &want, "under 2h");

    let restarted_s = now_ms() as f64 / 1000.0;
    if hooks.kill_a_peer {
        cluster.spawn(0);
        cluster.wait_formed();
    }
    both(-H);
    for h in HOSTS {
        push(&mut want, h, "critical", note("firing", &[GONE], &[]));
    }
    expect(sink, &want, "expired");
    (hooks.at_expired)();

    for (i, h) in HOSTS.iter().enumerate() {
        expire_in(&homes[i], 400 * D);
        push(
            &mut want,
            h,
            "critical",
            note("resolved", &[], &[CRIT, GONE]),
        );
        push(&mut want, h, "warning", note("resolved", &[], &[SOON]));
        expect(sink, &want, &format!("fixed on {h}"));
    }
    (hooks.after)(&want, restarted_s);
    stays(sink, &want, Duration::from_secs(5), "after both fixes");
    seen(sink).1
}

fn require_tools(tools: &[(&str, &str)]) {
    for (bin, what) in tools {
        common::require(crate::support::have(bin, "--version"), what);
    }
}

// ------------------------------------------------------------ clawwatch's own channels

fn daemon_config(home: &Home, host: &str, cluster: &Cluster) -> String {
    format!(
        r#"[check]
schedule = "* * * * * *"

[alert]
state_file = {state:?}
host = "{host}"

[[alert.alertmanager]]
name = "am1"
url = "{am1}"
timeout = "2s"

[[alert.alertmanager]]
name = "am2"
url = "{am2}"
timeout = "2s"
"#,
        state = home.path().join("alert-state.json").display().to_string(),
        am1 = cluster.url(0),
        am2 = cluster.url(1),
    )
}

#[test]
#[cfg_attr(not(have_alertmanager), ignore = "needs prometheus-alertmanager")]
fn two_hosts_through_clawwatch_channels_into_a_cluster() {
    require_tools(&[(AM, "prometheus-alertmanager")]);
    let sink = HttpSink::start();
    let mut cluster = Cluster::start(&sink.url);
    let homes = [home(), home()];
    let daemons: Vec<Daemon> = homes
        .iter()
        .zip(HOSTS)
        .map(|(h, host)| Daemon::start(h, &daemon_config(h, host, &cluster)))
        .collect();
    struct Logs<'a>(&'a [Daemon]);
    impl Drop for Logs<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                for d in self.0 {
                    for l in d
                        .logs()
                        .lines()
                        .filter(|l| l.contains("am1") || l.contains("alert"))
                    {
                        eprintln!("daemon {}: {l}", d.port);
                    }
                }
            }
        }
    }
    let _logs = Logs(&daemons);
    let mut after = |want: &Seen, restarted_s: f64| {
        // clawwatch retries the peer that was down (after its backoff):
        // both daemons deliver to am1 again, and the receiver hears
        // nothing twice.
        for d in &daemons {
            let back = wait_until(Duration::from_secs(100), || {
                let m = d.metrics();
                metric(
                    &m,
                    "clawwatch_alert_last_success_timestamp_seconds{channel=\"am1\"}",
                )
                .is_some_and(|t| t > restarted_s)
                    && metric(&m, "clawwatch_alert_failures_total{channel=\"am1\"}")
                        .is_some_and(|f| f > 0.0)
            });
            assert!(back, "am1 never retried:\n{}", d.metrics());
        }
        stays(&sink, want, Duration::from_secs(3), "after the retry");
    };
    let alerts = scenario(
        &homes,
        &sink,
        &mut cluster,
        Hooks {
            kill_a_peer: true,
            at_expired: &mut || {},
            after: &mut after,
        },
    );
    for a in &alerts {
        let l = &a["labels"];
        assert!(HOSTS.contains(&l["host"].as_str().unwrap_or("")), "{a}");
        assert_eq!(l["agent"], "main");
        assert_eq!(l["provider"], "anthropic");
        assert_eq!(l["profile"], PROFILE);
        assert_eq!(a["annotations"]["fix"], FIX, "{a}");
    }
    drop(_logs);
    for d in daemons {
        d.terminate();
    }
}

// ------------------------------------------------------------ Prometheus rules

struct Prometheus {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// alerts.yml with every `for:` at 0s but ClawwatchAbsent's (which would
/// fire before the first scrape).
fn rules_for_test() -> String {
    let rules = std::fs::read_to_string(root().join("contrib/prometheus/alerts.yml")).unwrap();
    let mut out = String::new();
    let mut absent = false;
    for line in rules.split_inclusive('\n') {
        if let Some(name) = line.trim().strip_prefix("- alert: ") {
            absent = name.trim() == "ClawwatchAbsent";
        }
        if !absent && line.trim_start().starts_with("for: ") {
            out.push_str("        for: 0s\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

fn start_prometheus(targets: &[(u16, &str)], cluster: &Cluster) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alerts.yml"), rules_for_test()).unwrap();
    let statics: String = targets
        .iter()
        .map(|(port, host)| {
            format!(
                "      - targets: [\"127.0.0.1:{port}\"]\n        labels: {{host: \"{host}\"}}\n"
            )
        })
        .collect();
    let am = |i: usize| cluster.url(i).trim_start_matches("http://").to_string();
    let cfg = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [alerts.yml]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [\"{}\", \"{}\"]\nscrape_configs:\n  - job_name: clawwatch\n    static_configs:\n{statics}",
        am(0),
        am(1)
    );
    std::fs::write(dir.path().join("prometheus.yml"), cfg).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--rules.alert.resend-delay=1s")
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let p = Prometheus { child, _dir: dir };
    let ready = format!("http://127.0.0.1:{port}/-/ready");
    assert!(
        wait_until(WAIT, || http(&ready).is_some()),
        "prometheus not ready"
    );
    p
}

#[test]
#[cfg_attr(
    not(all(have_alertmanager, have_prometheus)),
    ignore = "needs prometheus-alertmanager and prometheus"
)]
fn two_hosts_through_the_prometheus_rules_into_a_cluster() {
    require_tools(&[
        (AM, "prometheus-alertmanager"),
        ("prometheus", "prometheus"),
    ]);
    REPEATS_OK.with(|r| r.set(true));
    let sink = HttpSink::start();
    let mut cluster = Cluster::start(&sink.url);
    let homes = [home(), home()];
    let cfg = "[check]\nschedule = \"* * * * * *\"\n";
    let daemons: Vec<Daemon> = homes.iter().map(|h| Daemon::start(h, cfg)).collect();
    let targets: Vec<(u16, &str)> = daemons.iter().map(|d| d.port).zip(HOSTS).collect();
    let _prom = start_prometheus(&targets, &cluster);
    let doctor =
        "openclaw_doctor_finding{agent=\"main\",id=\"profile-expired\",severity=\"error\"}";
    let mut at_expired = || {
        // The doctor finding that restates the expired token is there...
        for d in &daemons {
            assert_eq!(metric(&d.metrics(), doctor), Some(1.0), "{}", d.metrics());
        }
    };
    let alerts = scenario(
        &homes,
        &sink,
        &mut cluster,
        Hooks {
            kill_a_peer: false,
            at_expired: &mut at_expired,
            after: &mut |_, _| {},
        },
    );
    // ...and pages nobody: only the credential alerts arrived.
    let mut expired = std::collections::BTreeSet::new();
    for a in &alerts {
        let l = &a["labels"];
        let name = l["alertname"].as_str().unwrap_or("?");
        assert!([SOON, CRIT, GONE].contains(&name), "unexpected alert {a}");
        assert!(HOSTS.contains(&l["host"].as_str().unwrap_or("")), "{a}");
        assert_eq!(l["provider"], "anthropic", "{a}");
        assert_eq!(l["profile"], PROFILE, "{a}");
        assert_eq!(a["annotations"]["fix"], FIX, "{a}");
        if name == GONE && a["status"] == "firing" {
            assert_eq!(l["state"], "expired", "{a}");
            expired.insert(l["host"].as_str().unwrap_or("").to_string());
        }
    }
    assert_eq!(
        expired.len(),
        2,
        "the expired alert of each host: {expired:?}"
    );
    for d in daemons {
        d.terminate();
    }
}
