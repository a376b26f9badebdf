//! The alert planner as tables: reports built by `evaluate` from in-memory
//! snapshots, an injected clock, and deliveries simulated as accepted.

use chrono::{DateTime, Utc};
use clawwatch::alert::state_file;
use clawwatch_core::alert::state::{self, AlertState};
use clawwatch_core::alert::{
    AlertPolicy, ChannelPolicy, Condition, NoticeKind, Notification, Severity, plan,
};
use clawwatch_core::evaluate;
use clawwatch_core::model::*;
use clawwatch_core::secret::Secret;

const T0: i64 = 1_795_639_915_000;
const M: i64 = 60_000;
const H: i64 = 60 * M;
const D: i64 = 24 * H;

/// What the OpenClaw home holds at a step.
#[derive(Clone, Copy, Debug)]
enum W {
    /// One anthropic setup-token (the only credential), expiring at this instant.
    Token(i64),
    /// No credential at all for the configured anthropic route.
    Nothing,
    /// The shared store cannot be read.
    Unreadable,
    /// A valid token in use plus an expired one no route selects.
    ValidPlusUnusedExpired(i64),
    /// The profile could not be parsed and was dropped (a read problem).
    Dropped,
}

fn token(id: &str, at: i64) -> Profile {
    Profile {
        id: id.into(),
        provider: "anthropic".into(),
        credential: Credential::Token {
            token: Some(Secret::new("sk-ant-oat01-FAKE-planner-token")),
            token_ref: false,
            expires: Expires::Number(at as f64),
        },
        setup_inactive: false,
        email: None,
    }
}

fn snapshot(w: W) -> Snapshot {
    let cfg = OpenclawConfig {
        defaults_model: ModelSpec {
            primary: Some("anthropic/claude-sonnet-4-6".into()),
            fallbacks: None,
        },
        ..Default::default()
    };
    let loaded = |profiles: Vec<Profile>| StoreRead::Loaded {
        location: StoreLocation::StateDb,
        path: "/h/.openclaw/state/openclaw.sqlite".into(),
        store: profiles.into_iter().collect(),
    };
    let (shared_store, problems) = match w {
        W::Token(at) => (loaded(vec![token("anthropic:manual", at)]), vec![]),
        W::Nothing => (loaded(vec![]), vec![]),
        W::ValidPlusUnusedExpired(at) => (
            loaded(vec![
                token("anthropic:manual", at),
                token("anthropic:old", T0 - 30 * D),
            ]),
            vec![],
        ),
        W::Dropped => (
            loaded(vec![]),
            vec![ReadProblem {
                source: SourceName::SqliteStore,
                reason: ReadReason::DroppedProfile,
                path: Some("~/.openclaw/state/openclaw.sqlite".into()),
                message: "profile anthropic:manual: unknown type".into(),
            }],
        ),
        W::Unreadable => (
            StoreRead::Failed {
                path: "/h/.openclaw/state/openclaw.sqlite".into(),
                message: "database disk image is malformed".into(),
                cause: StoreFailure::StateDbUnopenable,
            },
            vec![ReadProblem {
                source: SourceName::SqliteStore,
                reason: ReadReason::Unreadable,
                path: Some("~/.openclaw/state/openclaw.sqlite".into()),
                message: "database disk image is malformed".into(),
            }],
        ),
    };
    Snapshot {
        config: ConfigRead::Loaded(Box::new(cfg)),
        shared_store,
        agents: vec![AgentRead {
            id: "main".into(),
            dir: "/h/.openclaw/agents/main/agent".into(),
            ..Default::default()
        }],
        paths: Paths {
            main_agent_dir: "/h/.openclaw/agents/main/agent".into(),
            ..Default::default()
        },
        problems,
        ..Default::default()
    }
}

fn report(w: W, now: i64) -> Report {
    evaluate(&snapshot(w), now, &Policy::default())
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn policy() -> AlertPolicy {
    AlertPolicy {
        channels: vec![ChannelPolicy {
            name: "mail".into(),
            min_severity: Severity::Warning,
        }],
        ..AlertPolicy::default()
    }
}

/// `kind severity state condition`, e.g. `escalated critical expired expiry`.
fn show(n: &Notification) -> String {
    format!(
        "{} {} {} {}",
        n.kind.as_str(),
        n.severity.as_str(),
        n.state,
        n.key.condition
    )
}

/// Every channel accepts every pending notice.
fn accept_all(st: &mut AlertState, now: i64) {
    let pending: Vec<(Notification, Vec<String>)> = st
        .outbox
        .iter()
        .map(|e| (e.notice.clone(), e.pending.keys().cloned().collect()))
        .collect();
    for (n, chans) in pending {
        for c in chans {
            st.accepted(&n, &c, now);
        }
    }
}

struct Step {
    at: i64,
    w: W,
    expect: &'static [&'static str],
}

fn step(at: i64, w: W, expect: &'static [&'static str]) -> Step {
    Step { at, w, expect }
}

/// Run the steps from `st`, accepting every delivery; returns the state.
fn run_from(mut st: AlertState, policy: &AlertPolicy, steps: &[Step]) -> AlertState {
    for (i, s) in steps.iter().enumerate() {
        let (notices, next) = plan(&report(s.w, s.at), &st, at(s.at), policy);
        let got: Vec<String> = notices.iter().map(show).collect();
        assert_eq!(
            got,
            s.expect,
            "step {i} at T0{:+}min ({:?})",
            (s.at - T0) / M,
            s.w
        );
        st = next;
        accept_all(&mut st, s.at);
    }
    st
}

fn run(policy: &AlertPolicy, steps: &[Step]) -> AlertState {
    run_from(AlertState::default(), policy, steps)
}

#[test]
fn escalation_7d_24h_2h_expired_repeat_resolved() {
    let exp = T0 + 10 * D;
    run(
        &policy(),
        &[
            step(T0, W::Token(exp), &[]),
            // 7 days left: first threshold.
            step(
                exp - 7 * D,
                W::Token(exp),
                &["firing warning expiring expiry"],
            ),
            step(exp - 6 * D, W::Token(exp), &[]),
            // 24 h: escalates once.
            step(
                exp - 24 * H,
                W::Token(exp),
                &["escalated warning expiring expiry"],
            ),
            step(exp - 23 * H, W::Token(exp), &[]),
            // 2 h: critical (the vocabulary's bands).
            step(
                exp - 2 * H,
                W::Token(exp),
                &["escalated critical expiring expiry"],
            ),
            step(exp - H, W::Token(exp), &[]),
            // Expired: critical, at once.
            step(
                exp + M,
                W::Token(exp),
                &["escalated critical expired expiry"],
            ),
            step(exp + 5 * M, W::Token(exp), &[]),
            step(exp + 11 * H, W::Token(exp), &[]),
            // repeat_every (12 h) after the last notice.
            step(
                exp + 12 * H + M,
                W::Token(exp),
                &["repeat critical expired expiry"],
            ),
            step(exp + 13 * H, W::Token(exp), &[]),
            // Fixed: one resolved notice.
            step(
                exp + 14 * H,
                W::Token(T0 + 400 * D),
                &["resolved critical ok expiry"],
            ),
            step(exp + 15 * H, W::Token(T0 + 400 * D), &[]),
        ],
    );
}

#[test]
fn escalation_is_never_held_back_by_an_earlier_lower_notice() {
    // The 2 h notice went out ten minutes before it expired: the expired
    // notice still goes out at once (auth-monitor.sh's one-hour limit
    // swallowed it).
    let exp = T0 + 90 * M;
    let st = run(
        &policy(),
        &[
            step(T0, W::Token(exp), &["firing critical expiring expiry"]),
            step(exp - 10 * M, W::Token(exp), &[]),
            step(exp, W::Token(exp), &["escalated critical expired expiry"]),
        ],
    );
    let n = &st.alerts.values().next().unwrap().current;
    assert_eq!(n.severity, Severity::Critical);
}

#[test]
fn an_expired_token_from_the_start_is_one_critical_notice() {
    run(
        &policy(),
        &[
            step(
                T0,
                W::Token(T0 - 2 * H),
                &["firing critical expired expiry"],
            ),
            step(T0 + 5 * M, W::Token(T0 - 2 * H), &[]),
            step(T0 + 10 * M, W::Token(T0 - 2 * H), &[]),
        ],
    );
}

#[test]
fn flapping_inside_one_repeat_window() {
    let bad = W::Token(T0 - H);
    let good = W::Token(T0 + 400 * D);
    run(
        &policy(),
        &[
            step(T0, bad, &["firing critical expired expiry"]),
            step(T0 + 5 * M, good, &["resolved critical ok expiry"]),
            // Broken again: people were told it is fixed, so they hear it again.
            step(T0 + 10 * M, bad, &["firing critical expired expiry"]),
            // Fixed again inside the window: no second resolved notice yet.
            step(T0 + 15 * M, good, &[]),
            // Broken again: people still believe it fires: nothing.
            step(T0 + 20 * M, bad, &[]),
            step(T0 + 25 * M, good, &[]),
            step(T0 + 4 * H, good, &[]),
            // The window since the last resolved notice has passed.
            step(T0 + 12 * H + 5 * M, good, &["resolved critical ok expiry"]),
            step(T0 + 13 * H, good, &[]),
        ],
    );
}

#[test]
fn flapping_that_ends_broken_repeats_after_the_window() {
    let bad = W::Token(T0 - H);
    let good = W::Token(T0 + 400 * D);
    run(
        &policy(),
        &[
            step(T0, bad, &["firing critical expired expiry"]),
            step(T0 + 5 * M, good, &["resolved critical ok expiry"]),
            step(T0 + 10 * M, bad, &["firing critical expired expiry"]),
            step(T0 + 15 * M, good, &[]),
            step(T0 + 20 * M, bad, &[]),
            step(T0 + 12 * H, bad, &[]),
            step(
                T0 + 12 * H + 10 * M,
                bad,
                &["repeat critical expired expiry"],
            ),
        ],
    );
}

#[test]
fn missing_credential_is_critical_and_resolves() {
    run(
        &policy(),
        &[
            step(T0, W::Nothing, &["firing critical missing missing"]),
            step(T0 + 5 * M, W::Nothing, &[]),
            step(
                T0 + 10 * M,
                W::Token(T0 + 400 * D),
                &["resolved critical ok missing"],
            ),
        ],
    );
}

#[test]
fn an_unreadable_store_is_blind_never_missing_and_keeps_alerts() {
    let exp = T0 - H;
    let st = run(
        &policy(),
        &[
            step(T0, W::Token(exp), &["firing critical expired expiry"]),
            // The store cannot be read: the blind alert fires; the expired
            // one is neither resolved nor turned into "missing".
            step(T0 + 5 * M, W::Unreadable, &["firing critical blind blind"]),
            step(T0 + 10 * M, W::Unreadable, &[]),
            // Readable again and still expired: the blind alerts resolve,
            // the expired one goes on without a new notice.
            step(T0 + 15 * M, W::Token(exp), &["resolved critical ok blind"]),
        ],
    );
    let firing: Vec<String> = st
        .alerts
        .iter()
        .filter(|(_, r)| r.firing)
        .map(|(k, _)| k.condition.to_string())
        .collect();
    assert_eq!(firing, ["expiry"]);
}

#[test]
fn a_dropped_profile_is_reported_and_its_alert_kept_not_resolved() {
    let exp = T0 - H;
    let st = run(
        &policy(),
        &[
            step(T0, W::Token(exp), &["firing critical expired expiry"]),
            // OpenClaw drops it too, so the route really has nothing: that
            // is reported; the expired alert is kept, not resolved.
            step(
                T0 + 5 * M,
                W::Dropped,
                &[
                    "firing critical missing missing",
                    "firing warning unreadable unreadable:sqlite_store",
                ],
            ),
            step(
                T0 + 10 * M,
                W::Token(exp),
                &[
                    "resolved warning ok unreadable:sqlite_store",
                    "resolved critical ok missing",
                ],
            ),
        ],
    );
    assert!(
        st.alerts
            .iter()
            .any(|(k, r)| k.condition == Condition::Expiry && r.firing)
    );
}

#[test]
fn credentials_no_route_uses_do_not_alert() {
    run(
        &policy(),
        &[step(T0, W::ValidPlusUnusedExpired(T0 + 400 * D), &[])],
    );
}

#[test]
fn without_send_resolved_a_fix_is_silent_and_a_relapse_notifies() {
    let p = AlertPolicy {
        send_resolved: false,
        ..policy()
    };
    run(
        &p,
        &[
            step(T0, W::Token(T0 - H), &["firing critical expired expiry"]),
            step(T0 + 5 * M, W::Token(T0 + 400 * D), &[]),
            step(
                T0 + 10 * M,
                W::Token(T0 - H),
                &["firing critical expired expiry"],
            ),
        ],
    );
}

#[test]
fn renewed_but_still_inside_7d_resolves_the_critical_once() {
    let renewed = T0 + 5 * D;
    run(
        &policy(),
        &[
            step(T0, W::Token(T0 - H), &["firing critical expired expiry"]),
            // A new token that expires in 5 days: the critical notice is
            // resolved; the key goes on as a warning without a new notice.
            step(
                T0 + 5 * M,
                W::Token(renewed),
                &["resolved critical expiring expiry"],
            ),
            step(T0 + 10 * M, W::Token(renewed), &[]),
            // Crossing 24 h notifies again.
            step(
                renewed - 23 * H,
                W::Token(renewed),
                &["escalated warning expiring expiry"],
            ),
        ],
    );
}

#[test]
fn custom_thresholds() {
    let p = AlertPolicy {
        thresholds_ms: vec![3 * D],
        repeat_every_ms: 2 * H,
        ..policy()
    };
    let exp = T0 + 5 * D;
    run(
        &p,
        &[
            step(T0, W::Token(exp), &[]),
            step(
                exp - 3 * D,
                W::Token(exp),
                &["firing warning expiring expiry"],
            ),
            // Warnings are not repeated: the next threshold reminds.
            step(exp - 3 * D + 2 * H, W::Token(exp), &[]),
            step(exp - 2 * H, W::Token(exp), &[]),
            step(exp, W::Token(exp), &["escalated critical expired expiry"]),
            step(exp + H, W::Token(exp), &[]),
            step(
                exp + 2 * H,
                W::Token(exp),
                &["repeat critical expired expiry"],
            ),
        ],
    );
}

#[test]
fn min_severity_decides_who_is_told_and_resolved_goes_to_those_told() {
    let p = AlertPolicy {
        channels: vec![
            ChannelPolicy {
                name: "mail".into(),
                min_severity: Severity::Warning,
            },
            ChannelPolicy {
                name: "phone".into(),
                min_severity: Severity::Critical,
            },
        ],
        ..policy()
    };
    let exp = T0 + 3 * D;
    let pending = |st: &AlertState| -> Vec<String> {
        st.outbox
            .iter()
            .flat_map(|e| {
                e.pending
                    .keys()
                    .map(move |c| format!("{} {c}", e.notice.kind.as_str()))
            })
            .collect()
    };
    let (_, st) = plan(
        &report(W::Token(exp), T0),
        &AlertState::default(),
        at(T0),
        &p,
    );
    assert_eq!(pending(&st), ["firing mail"]);
    let mut st = st;
    accept_all(&mut st, T0);
    let t = exp + M;
    let (_, mut st) = plan(&report(W::Token(exp), t), &st, at(t), &p);
    assert_eq!(pending(&st), ["escalated mail", "escalated phone"]);
    accept_all(&mut st, t);
    let t = t + H;
    let (n, st) = plan(&report(W::Token(T0 + 400 * D), t), &st, at(t), &p);
    assert_eq!(n.len(), 1);
    assert_eq!(pending(&st), ["resolved mail", "resolved phone"]);
}

#[test]
fn a_newer_notice_supersedes_an_undelivered_one() {
    let exp = T0 + 3 * H;
    // Nothing is ever accepted (the channel is down).
    let (_, st) = plan(
        &report(W::Token(exp), T0),
        &AlertState::default(),
        at(T0),
        &policy(),
    );
    assert_eq!(st.outbox.len(), 1);
    let t = exp + M;
    let (_, st) = plan(&report(W::Token(exp), t), &st, at(t), &policy());
    assert_eq!(st.outbox.len(), 1, "only the newest notice waits");
    assert_eq!(st.outbox[0].notice.kind, NoticeKind::Escalated);
    // Fixed before anything got through: the resolved notice goes nowhere
    // (no channel was told it fires) and nothing stale is left.
    let t = t + M;
    let (n, st) = plan(&report(W::Token(T0 + 400 * D), t), &st, at(t), &policy());
    assert_eq!(n.len(), 1);
    assert!(st.outbox.is_empty(), "{:?}", st.outbox);
}

#[test]
fn notices_nobody_accepts_are_given_up_after_a_day() {
    let (_, st) = plan(
        &report(W::Token(T0 - H), T0),
        &AlertState::default(),
        at(T0),
        &policy(),
    );
    assert_eq!(st.outbox.len(), 1);
    let t = T0 + 11 * H;
    let (_, st) = plan(&report(W::Token(T0 - H), t), &st, at(t), &policy());
    assert_eq!(st.outbox.len(), 1);
    // A repeat at 12 h supersedes; 25 h after that repeat it is dropped.
    let t = T0 + 12 * H;
    let (n, st) = plan(&report(W::Token(T0 - H), t), &st, at(t), &policy());
    assert_eq!(
        n.iter().map(show).collect::<Vec<_>>(),
        ["repeat critical expired expiry"]
    );
    let t = T0 + 12 * H + 24 * H + M;
    let before = st.clone();
    let (_, st) = plan(&report(W::Token(T0 - H), t), &st, at(t), &policy());
    assert_eq!(
        clawwatch_core::alert::expired_notices(&before, at(t), &policy()).count(),
        1
    );
    // The repeat planned at this very cycle is the only one left.
    assert!(st.outbox.iter().all(|e| e.notice.planned_at_ms == t));
}

#[test]
fn plan_is_pure() {
    let r = report(W::Token(T0 - H), T0);
    let a = plan(&r, &AlertState::default(), at(T0), &policy());
    let b = plan(&r, &AlertState::default(), at(T0), &policy());
    assert_eq!(a, b);
}

#[test]
fn a_state_file_from_version_1_migrates() {
    // Version 1 kept one map; this expired alert was notified an hour ago.
    let v1 = format!(
        r#"{{"version":1,"alerts":{{"main|anthropic|anthropic:manual|expiry":
            {{"severity":"critical","rank":4,"since_ms":{},"last_notified_ms":{}}}}}}}"#,
        T0 - 2 * H,
        T0 - H
    );
    let st = state::parse(&v1).expect("v1 parses");
    assert_eq!(st.version, state::STATE_VERSION);
    let rec = st.alerts.values().next().unwrap();
    assert!(rec.firing && rec.believed_firing);
    // Still expired: no duplicate notice inside the repeat window; the
    // repeat comes 12 h after the old notice; the fix resolves it on the
    // channels configured now.
    let st = run_from(
        st,
        &policy(),
        &[
            step(T0, W::Token(T0 - 3 * H), &[]),
            step(
                T0 + 11 * H + M,
                W::Token(T0 - 3 * H),
                &["repeat critical expired expiry"],
            ),
            step(
                T0 + 12 * H,
                W::Token(T0 + 400 * D),
                &["resolved critical ok expiry"],
            ),
        ],
    );
    // And the migrated state saves as the current version.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("alert-state.json");
    state_file::save(&p, &st).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("\"version\": 2"));
    assert_eq!(state_file::load(&p, 0).state, st);
}

#[test]
fn a_v1_resolved_alert_is_fixed_on_the_channels_of_now() {
    let v1 = format!(
        r#"{{"version":1,"alerts":{{"main|anthropic|anthropic:manual|expiry":
            {{"severity":"critical","rank":4,"since_ms":{},"last_notified_ms":{}}}}}}}"#,
        T0 - 2 * H,
        T0 - H
    );
    let st = state::parse(&v1).unwrap();
    let (n, st) = plan(&report(W::Token(T0 + 400 * D), T0), &st, at(T0), &policy());
    assert_eq!(
        n.iter().map(show).collect::<Vec<_>>(),
        ["resolved critical ok expiry"]
    );
    let chans: Vec<&String> = st.outbox[0].pending.keys().collect();
    assert_eq!(chans, ["mail"]);
}

// ------------------------------------------------------------ doctor findings

fn finding(
    id: &'static str,
    sev: clawwatch_core::doctor::Level,
) -> clawwatch_core::doctor::Finding {
    clawwatch_core::doctor::Finding::new(
        clawwatch_core::doctor::FindingId::from_word(id).expect("a finding id"),
        sev,
        format!("{id} message"),
        "run `openclaw doctor --fix`",
    )
    .agent("main")
}

/// Plan one cycle with these findings beside a healthy token.
fn plan_findings(
    st: &AlertState,
    policy: &AlertPolicy,
    now: i64,
    w: W,
    findings: &[clawwatch_core::doctor::Finding],
) -> (Vec<String>, AlertState) {
    let r = report(w, now);
    let mut obs = clawwatch_core::alert::observe(&r, policy);
    clawwatch_core::alert::observe_findings(&mut obs, findings, &r, policy);
    let (n, mut next) = clawwatch_core::alert::plan_observed(&obs, st, at(now), policy);
    accept_all(&mut next, now);
    (n.iter().map(show).collect(), next)
}

#[test]
fn doctor_findings_are_alerts_keyed_by_id_and_agent() {
    use clawwatch_core::doctor::Level::{Error, Info, Warning};
    let ok = W::Token(T0 + 400 * D);
    let p = policy();
    let st = AlertState::default();
    // An error fires once (critical); info never; a warning only when
    // `[alert] doctor = "warning"`.
    let f = [
        finding("setup-token-in-api-key-var", Error),
        finding("credential-file-permissions", Warning),
        finding("probe-ok", Info),
    ];
    let (n, st) = plan_findings(&st, &p, T0, ok, &f);
    assert_eq!(
        n,
        ["firing critical doctor doctor:setup-token-in-api-key-var"]
    );
    let (n, st) = plan_findings(&st, &p, T0 + 5 * M, ok, &f);
    assert!(n.is_empty(), "{n:?}");
    // Still there after repeat_every (12 h): repeated, as critical alerts are.
    let (n, st) = plan_findings(&st, &p, T0 + 12 * H + M, ok, &f);
    assert_eq!(
        n,
        ["repeat critical doctor doctor:setup-token-in-api-key-var"]
    );
    // Fixed: one resolved notice.
    let (n, st) = plan_findings(&st, &p, T0 + 13 * H, ok, &[]);
    assert_eq!(
        n,
        ["resolved critical ok doctor:setup-token-in-api-key-var"]
    );
    let (n, _) = plan_findings(&st, &p, T0 + 13 * H + 5 * M, ok, &[]);
    assert!(n.is_empty(), "{n:?}");

    // Warnings too when configured; two findings with one id are one alert.
    let warn = AlertPolicy {
        doctor_min: Some(Warning),
        ..policy()
    };
    let two = [
        finding("credential-file-permissions", Warning),
        finding("credential-file-permissions", Warning),
    ];
    let (n, _) = plan_findings(&AlertState::default(), &warn, T0, ok, &two);
    assert_eq!(
        n,
        ["firing warning doctor doctor:credential-file-permissions"]
    );
    // Off: nothing.
    let off = AlertPolicy {
        doctor_min: None,
        ..policy()
    };
    let (n, _) = plan_findings(&AlertState::default(), &off, T0, ok, &f);
    assert!(n.is_empty(), "{n:?}");
}

#[test]
fn doctor_findings_that_restate_a_credential_alert_are_not_sent_twice() {
    use clawwatch_core::doctor::Level::Error;
    let p = policy();
    // An expired token: the credential alert fires; doctor's
    // profile-expired finding about it does not add a second notice.
    let (n, _) = plan_findings(
        &AlertState::default(),
        &p,
        T0,
        W::Token(T0 - H),
        &[finding("profile-expired", Error)],
    );
    assert_eq!(n, ["firing critical expired expiry"]);
}
