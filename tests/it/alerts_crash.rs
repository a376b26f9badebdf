//! Crash safety of the alert state, at function level (the real kill -9 of
//! `clawwatch run` is tests/alerts_kill.rs): what is on disk at any instant
//! of a cycle is what a `kill -9` leaves. A channel that copies the state
//! file at each of its calls shows that a restart from any of those
//! instants neither loses nor duplicates a notice.

use chrono::{DateTime, Utc};
use clawwatch::alert::message::Ctx;
use clawwatch::alert::{Alerter, Channel, Notification, SendError, Severity};
use clawwatch_core::alert::AlertPolicy;
use clawwatch_core::model::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const T0: i64 = 1_795_639_915_000;
const M: i64 = 60_000;
const H: i64 = 60 * M;

type Shared<T> = Arc<Mutex<T>>;
/// (notices accepted so far, the state file's bytes then, after a send)
type CrashPoint = (usize, Option<Vec<u8>>, bool);

/// Accepts everything; before each send (and after it returns, before the
/// alerter writes the state) copies the state file as a kill -9 would find it.
struct Recorder {
    state_file: PathBuf,
    accepted: Arc<Mutex<Vec<Notification>>>,
    crash_points: Shared<Vec<CrashPoint>>,
}

impl Recorder {
    fn snapshot(&self, after: bool) {
        let n = self.accepted.lock().unwrap().len();
        let bytes = std::fs::read(&self.state_file).ok();
        self.crash_points.lock().unwrap().push((n, bytes, after));
    }
}

impl Channel for Recorder {
    fn name(&self) -> &str {
        "rec"
    }
    fn kind(&self) -> &'static str {
        "test"
    }
    fn min_severity(&self) -> Severity {
        Severity::Warning
    }
    fn send(&self, n: &Notification, _: &Ctx) -> Result<(), SendError> {
        self.snapshot(false);
        self.accepted.lock().unwrap().push(n.clone());
        self.snapshot(true);
        Ok(())
    }
}

fn alerter(dir: &Path) -> (Alerter, Shared<Vec<Notification>>, Shared<Vec<CrashPoint>>) {
    let state_file = dir.join("alert-state.json");
    let accepted = Arc::new(Mutex::new(vec![]));
    let crash_points = Arc::new(Mutex::new(vec![]));
    let rec = Recorder {
        state_file: state_file.clone(),
        accepted: accepted.clone(),
        crash_points: crash_points.clone(),
    };
    let a = Alerter::with_channels(
        AlertPolicy::default(),
        state_file,
        vec![Box::new(rec)],
        None,
    );
    (a, accepted, crash_points)
}

fn cred(agent: &str, expires: i64) -> CredentialReport {
    CredentialReport {
        agent: agent.into(),
        provider: "anthropic".into(),
        profile: "anthropic:manual".into(),
        cred_type: CredType::Token,
        source: CredSource::StateDb,
        expires_at_ms: Some(expires),
        state: if expires <= T0 {
            CredState::Expired
        } else {
            CredState::Ok
        },
        reason: None,
        masked: None,
        in_use: true,
        counted: true,
        unusable_until_ms: None,
    }
}

/// Three agents, each with an expired token in use.
fn report(now: i64) -> Report {
    Report {
        release: Default::default(),
        now_ms: now,
        warn_within_ms: 24 * H,
        state_dir: "~/.openclaw".into(),
        config_path: "~/.openclaw/openclaw.json".into(),
        verdict: Verdict::Failing,
        agents: ["alpha", "beta", "gamma"]
            .iter()
            .map(|a| AgentReport {
                agent: a.to_string(),
                default: *a == "alpha",
                agent_dir: String::new(),
                store_path: String::new(),
                failure: None,
                routes: vec![],
                credentials: vec![cred(a, T0 - H)],
                providers: vec![],
                verdict: Verdict::Failing,
                problems: vec![],
            })
            .collect(),
        external: vec![],
        read_problems: vec![],
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn ids(v: &[Notification]) -> Vec<(u64, String)> {
    v.iter().map(|n| (n.id, n.key.agent.clone())).collect()
}

#[test]
fn a_restart_from_any_instant_between_deliveries_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, accepted, points) = alerter(dir.path());
    let o = a.cycle(&report(T0), at(T0));
    assert_eq!(o.delivered, 3, "{o:?}");
    let all = accepted.lock().unwrap().clone();
    assert_eq!(all.len(), 3);
    let points = points.lock().unwrap().clone();
    assert_eq!(points.len(), 6);

    // A kill -9 before a send started (after the plan was saved, or after
    // the previous acceptance was saved): a restart sends exactly the rest.
    for (sent_before, bytes, after) in points.iter().filter(|p| !p.2) {
        assert!(!after);
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("alert-state.json"),
            bytes.as_ref().expect("the plan is on disk before any send"),
        )
        .unwrap();
        let (mut b, again, _) = alerter(d.path());
        let o = b.cycle(&report(T0 + M), at(T0 + M));
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        let again = again.lock().unwrap().clone();
        let mut union = ids(&all[..*sent_before]);
        union.extend(ids(&again));
        assert_eq!(
            union,
            ids(&all),
            "crash after {sent_before} acceptances: lost or duplicated"
        );
        // And nothing more on the following cycle.
        let o = b.cycle(&report(T0 + 2 * M), at(T0 + 2 * M));
        assert_eq!(o.delivered, 0);
    }
}

#[test]
fn a_kill_between_acceptance_and_its_write_resends_that_one_notice_with_the_same_id() {
    // The one window no local write can close: the server accepted, the
    // process died before the state said so. The restart re-sends that
    // notice (at least once, never lost) with the same id — the email
    // Message-ID and webhook idempotency-key are derived from it — and
    // nothing else.
    let dir = tempfile::tempdir().unwrap();
    let (mut a, accepted, points) = alerter(dir.path());
    a.cycle(&report(T0), at(T0));
    let all = accepted.lock().unwrap().clone();
    let points = points.lock().unwrap().clone();
    let (sent, bytes, _) = points.iter().find(|p| p.2 && p.0 == 2).unwrap();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("alert-state.json"), bytes.as_ref().unwrap()).unwrap();
    let (mut b, again, _) = alerter(d.path());
    b.cycle(&report(T0 + M), at(T0 + M));
    let again = again.lock().unwrap().clone();
    assert_eq!(ids(&again), ids(&all[sent - 1..]));
    assert_eq!(again[0].planned_at_ms, all[sent - 1].planned_at_ms);
}

#[test]
fn a_crash_before_the_plan_is_written_plans_again_once() {
    // Nothing on disk (killed before the first write): the restart plans
    // and sends each notice once.
    let dir = tempfile::tempdir().unwrap();
    let (mut a, accepted, _) = alerter(dir.path());
    a.cycle(&report(T0), at(T0));
    a.cycle(&report(T0 + M), at(T0 + M));
    assert_eq!(accepted.lock().unwrap().len(), 3);
}

#[test]
fn an_unwritable_state_dir_is_reported_and_delivery_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let accepted = Arc::new(Mutex::new(vec![]));
    let rec = Recorder {
        state_file: blocker.join("s.json"),
        accepted: accepted.clone(),
        crash_points: Arc::new(Mutex::new(vec![])),
    };
    let mut a = Alerter::with_channels(
        AlertPolicy::default(),
        blocker.join("s.json"),
        vec![Box::new(rec)],
        None,
    );
    let o = a.cycle(&report(T0), at(T0));
    assert_eq!(o.delivered, 3);
    assert!(
        o.errors.iter().any(|e| e.contains("cannot")),
        "{:?}",
        o.errors
    );
}
