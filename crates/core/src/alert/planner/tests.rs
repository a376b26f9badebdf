//! The planner as tables: hand-built reports, an injected clock, every
//! delivery accepted. (tests/alerts_planner.rs drives it from `evaluate`.)

use super::findings::observe_findings;
use super::observe::observe;
use super::plan::{expired_notices, plan, plan_observed};
use crate::alert::policy::{AlertPolicy, ChannelPolicy};
use crate::alert::state::{ALL_CHANNELS, AlertState, parse};
use crate::alert::types::{
    Condition, NoticeKind, NoticeSource, NoticeState, Notification, Severity,
};
use crate::doctor::{Finding, Level};
use crate::model::*;
use chrono::{DateTime, Utc};

const T0: i64 = 1_795_639_915_000;
const M: i64 = 60_000;
const H: i64 = 60 * M;
const D: i64 = 24 * H;

/// What the home shows at a step.
#[derive(Clone, Copy, Debug)]
enum W {
    /// The token in use expires at this instant.
    Token(i64),
    /// The route has no credential.
    Nothing,
    /// OpenClaw cannot report on the agent.
    Blind,
    /// A source cannot be read (the token is not visible).
    Unreadable,
    /// A valid token and a doctor error.
    Doctor(Level),
}

fn cred(expires: i64, now: i64) -> CredentialReport {
    CredentialReport {
        agent: "main".into(),
        provider: "anthropic".into(),
        profile: "anthropic:manual".into(),
        cred_type: CredType::Token,
        source: CredSource::StateDb,
        expires_at_ms: Some(expires),
        state: if expires <= now {
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

fn problem(kind: ProblemKind, message: &str, fix: &str) -> Problem {
    Problem {
        agent: "main".into(),
        provider: Some("anthropic".into()),
        profile: None,
        verdict: Verdict::Failing,
        kind,
        message: message.into(),
        fix: fix.into(),
    }
}

fn report(w: W, now: i64) -> Report {
    let mut agent = AgentReport {
        agent: "main".into(),
        default: true,
        agent_dir: String::new(),
        store_path: String::new(),
        failure: None,
        routes: vec![],
        credentials: vec![],
        providers: vec![],
        verdict: Verdict::Ok,
        problems: vec![],
    };
    let mut read_problems = vec![];
    match w {
        W::Token(at) => agent.credentials.push(cred(at, now)),
        W::Doctor(_) => agent.credentials.push(cred(now + 400 * D, now)),
        W::Nothing => agent.problems.push(problem(
            ProblemKind::Missing,
            "anthropic has no credential",
            "run `openclaw models auth login --provider anthropic`",
        )),
        W::Blind => {
            agent.failure = Some(AgentFailure::new(
                FailureKind::InvalidConfig,
                "openclaw.json is invalid",
            ));
            agent.problems.push(problem(
                ProblemKind::CommandFailed,
                "openclaw.json is invalid",
                "run `openclaw doctor --fix`",
            ));
        }
        W::Unreadable => read_problems.push(ReadProblem {
            source: SourceName::Dotenv,
            reason: ReadReason::Unreadable,
            path: Some("~/.openclaw/.env".into()),
            message: "permission denied".into(),
        }),
    }
    Report {
        release: Default::default(),
        now_ms: now,
        warn_within_ms: D,
        state_dir: "~/.openclaw".into(),
        config_path: "~/.openclaw/openclaw.json".into(),
        verdict: Verdict::Ok,
        agents: vec![agent],
        external: vec![],
        read_problems,
    }
}

fn findings(w: W) -> Vec<Finding> {
    match w {
        W::Doctor(level) => vec![
            Finding::new(
                crate::doctor::FindingId::from_word("legacy-auth-profiles-json")
                    .expect("a finding id"),
                level,
                "a legacy file",
                "run `openclaw doctor --fix`",
            )
            .agent("main")
            .path("~/.openclaw/agents/main/agent/auth-profiles.json"),
        ],
        _ => vec![],
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn channels(p: AlertPolicy) -> AlertPolicy {
    p.with_channels(vec![
        ChannelPolicy {
            name: "mail".into(),
            min_severity: Severity::Warning,
        },
        ChannelPolicy {
            name: "phone".into(),
            min_severity: Severity::Critical,
        },
    ])
}

/// `kind severity state condition → channels`.
fn show(n: &Notification, st: &AlertState) -> String {
    let to: Vec<&str> = st
        .outbox
        .iter()
        .filter(|e| e.notice.id == n.id)
        .flat_map(|e| e.pending.keys().map(String::as_str))
        .collect();
    format!(
        "{} {} {} {} → {}",
        n.kind.as_str(),
        n.severity,
        n.state,
        n.key.condition,
        to.join(",")
    )
}

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

type Steps<'a> = &'a [(i64, W, &'a [&'a str])];

/// Run steps from `st` (every delivery accepted); the final state.
fn run_from(mut st: AlertState, policy: &AlertPolicy, steps: Steps<'_>) -> AlertState {
    for (i, (t, w, expect)) in steps.iter().enumerate() {
        let r = report(*w, *t);
        let mut obs = observe(&r, policy);
        observe_findings(&mut obs, &findings(*w), &r, policy);
        let (notices, next) = plan_observed(&obs, &st, at(*t), policy);
        let got: Vec<String> = notices.iter().map(|n| show(n, &next)).collect();
        assert_eq!(got, *expect, "step {i} at T0{:+}min ({w:?})", (t - T0) / M);
        st = next;
        accept_all(&mut st, *t);
    }
    st
}

fn run(policy: &AlertPolicy, steps: Steps<'_>) -> AlertState {
    run_from(AlertState::default(), policy, steps)
}

#[test]
fn the_planner_as_a_table() {
    let exp = T0 + 10 * D;
    let fixed = W::Token(T0 + 400 * D);
    let cases: &[(&str, AlertPolicy, Steps<'_>)] = &[
        (
            "thresholds, expiry, repeat, resolved",
            channels(AlertPolicy::default()),
            &[
                (T0, W::Token(exp), &[]),
                (
                    exp - 7 * D,
                    W::Token(exp),
                    &["firing warning expiring expiry → mail"],
                ),
                (
                    exp - 24 * H,
                    W::Token(exp),
                    &["escalated warning expiring expiry → mail"],
                ),
                (
                    exp - 2 * H,
                    W::Token(exp),
                    &["escalated critical expiring expiry → mail,phone"],
                ),
                (exp - H, W::Token(exp), &[]),
                (
                    exp + M,
                    W::Token(exp),
                    &["escalated critical expired expiry → mail,phone"],
                ),
                (exp + 11 * H, W::Token(exp), &[]),
                (
                    exp + 12 * H + M,
                    W::Token(exp),
                    &["repeat critical expired expiry → mail,phone"],
                ),
                (
                    exp + 13 * H,
                    fixed,
                    &["resolved critical ok expiry → mail,phone"],
                ),
                (exp + 14 * H, fixed, &[]),
            ],
        ),
        (
            "missing is critical and resolves",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Nothing,
                    &["firing critical missing missing → mail,phone"],
                ),
                (T0 + M, W::Nothing, &[]),
                (
                    T0 + 2 * M,
                    fixed,
                    &["resolved critical ok missing → mail,phone"],
                ),
            ],
        ),
        (
            "a blind agent keeps its alerts and resolves when seen again",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (
                    T0 + M,
                    W::Blind,
                    &["firing critical blind blind → mail,phone"],
                ),
                (
                    T0 + 2 * M,
                    W::Token(T0 - H),
                    &["resolved critical ok blind → mail,phone"],
                ),
                (
                    T0 + 3 * M,
                    fixed,
                    &["resolved critical ok expiry → mail,phone"],
                ),
            ],
        ),
        (
            "an unreadable source is a warning; the invisible credential is kept",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (
                    T0 + M,
                    W::Unreadable,
                    &["firing warning unreadable unreadable:dotenv → mail"],
                ),
                (
                    T0 + 2 * M,
                    W::Token(T0 - H),
                    &["resolved warning ok unreadable:dotenv → mail"],
                ),
            ],
        ),
        (
            "renewed inside 7 days: the critical is resolved once",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (
                    T0 + M,
                    W::Token(T0 + 5 * D),
                    &["resolved critical expiring expiry → mail,phone"],
                ),
                (T0 + 2 * M, W::Token(T0 + 5 * D), &[]),
                (
                    T0 + 4 * D + H,
                    W::Token(T0 + 5 * D),
                    &["escalated warning expiring expiry → mail"],
                ),
            ],
        ),
        (
            "without send_resolved a fix is silent, a relapse notifies",
            channels(AlertPolicy {
                send_resolved: false,
                ..AlertPolicy::default()
            }),
            &[
                (
                    T0,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (T0 + M, fixed, &[]),
                (
                    T0 + 2 * M,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
            ],
        ),
        (
            "flapping inside one repeat window",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (T0 + M, fixed, &["resolved critical ok expiry → mail,phone"]),
                (
                    T0 + 2 * M,
                    W::Token(T0 - H),
                    &["firing critical expired expiry → mail,phone"],
                ),
                (T0 + 3 * M, fixed, &[]),
                (T0 + 4 * M, W::Token(T0 - H), &[]),
                (T0 + 5 * M, fixed, &[]),
                (
                    T0 + 12 * H + 5 * M,
                    fixed,
                    &["resolved critical ok expiry → mail,phone"],
                ),
            ],
        ),
        (
            "doctor errors are critical alerts keyed by id",
            channels(AlertPolicy::default()),
            &[
                (
                    T0,
                    W::Doctor(Level::Error),
                    &["firing critical doctor doctor:legacy-auth-profiles-json → mail,phone"],
                ),
                (T0 + M, W::Doctor(Level::Error), &[]),
                (
                    T0 + 2 * M,
                    fixed,
                    &["resolved critical ok doctor:legacy-auth-profiles-json → mail,phone"],
                ),
            ],
        ),
        (
            "doctor warnings only when asked",
            channels(AlertPolicy::default()),
            &[(T0, W::Doctor(Level::Warning), &[])],
        ),
        (
            "doctor warnings as warnings",
            channels(AlertPolicy {
                doctor_min: Some(Level::Warning),
                ..AlertPolicy::default()
            }),
            &[(
                T0,
                W::Doctor(Level::Warning),
                &["firing warning doctor doctor:legacy-auth-profiles-json → mail"],
            )],
        ),
        (
            "doctor off",
            channels(AlertPolicy {
                doctor_min: None,
                ..AlertPolicy::default()
            }),
            &[(T0, W::Doctor(Level::Error), &[])],
        ),
    ];
    for (name, policy, steps) in cases {
        eprintln!("case: {name}");
        run(policy, steps);
    }
}

#[test]
fn observed_details_are_typed() {
    let r = report(W::Unreadable, T0);
    let obs = observe(&r, &AlertPolicy::default());
    let o = obs.firing.values().next().unwrap();
    assert_eq!(o.key.condition, Condition::Unreadable(SourceName::Dotenv));
    assert_eq!(o.key.profile, "~/.openclaw/.env");
    assert_eq!(o.source, NoticeSource::Reader(SourceName::Dotenv));
    assert_eq!(o.state, NoticeState::Unreadable);
    assert!(obs.partial);
    let r = report(W::Token(T0 + H), T0);
    let obs = observe(&r, &AlertPolicy::default());
    let o = obs.firing.values().next().unwrap();
    assert_eq!(o.cred_type, Some(CredType::Token));
    assert_eq!(o.source, NoticeSource::Credential(CredSource::StateDb));
    assert_eq!(o.threshold_ms, Some(2 * H));
    assert_eq!(o.rank, 3);
    let r = report(W::Blind, T0);
    let obs = observe(&r, &AlertPolicy::default());
    let o = obs.firing.values().next().unwrap();
    assert_eq!(o.fix, "run `openclaw doctor --fix`");
    assert!(obs.blind_agents.contains("main"));
}

#[test]
fn a_newer_notice_supersedes_an_undelivered_one_and_old_ones_are_given_up() {
    let policy = channels(AlertPolicy::default());
    let exp = T0 + 3 * H;
    let (_, st) = plan(
        &report(W::Token(exp), T0),
        &AlertState::default(),
        at(T0),
        &policy,
    );
    assert_eq!(st.outbox.len(), 1);
    let t = exp + M;
    let (_, st) = plan(&report(W::Token(exp), t), &st, at(t), &policy);
    assert_eq!(st.outbox.len(), 1, "only the newest notice waits");
    assert_eq!(st.outbox[0].notice.kind, NoticeKind::Escalated);
    let t = t + 25 * H;
    assert_eq!(expired_notices(&st, at(t), &policy).count(), 1);
    let (n, st) = plan(&report(W::Token(exp), t), &st, at(t), &policy);
    // The repeat planned now is the only one left.
    assert_eq!(n.len(), 1);
    assert!(st.outbox.iter().all(|e| e.notice.planned_at_ms == t));
}

#[test]
fn a_version_1_state_resolves_on_the_channels_of_now() {
    let v1 = format!(
        r#"{{"version":1,"alerts":{{"main|anthropic|anthropic:manual|expiry":
            {{"severity":"critical","rank":4,"since_ms":{},"last_notified_ms":{}}}}}}}"#,
        T0 - 2 * H,
        T0 - H
    );
    let st = parse(&v1).unwrap();
    assert!(
        st.alerts
            .values()
            .all(|r| r.delivered.contains(ALL_CHANNELS))
    );
    let policy = channels(AlertPolicy::default());
    // Still expired: no duplicate inside the window, then the repeat.
    let st = run_from(
        st,
        &policy,
        &[
            (T0, W::Token(T0 - 3 * H), &[]),
            (
                T0 + 11 * H + M,
                W::Token(T0 - 3 * H),
                &["repeat critical expired expiry → mail,phone"],
            ),
        ],
    );
    let rec = st.alerts.values().next().unwrap();
    assert!(!rec.delivered.contains(ALL_CHANNELS));
    let st = parse(&v1).unwrap();
    let (n, st) = plan(&report(W::Token(T0 + 400 * D), T0), &st, at(T0), &policy);
    assert_eq!(
        n.iter().map(|n| show(n, &st)).collect::<Vec<_>>(),
        ["resolved critical ok expiry → mail,phone"]
    );
}

#[test]
fn plan_is_pure() {
    let policy = channels(AlertPolicy::default());
    let r = report(W::Token(T0 - H), T0);
    let a = plan(&r, &AlertState::default(), at(T0), &policy);
    let b = plan(&r, &AlertState::default(), at(T0), &policy);
    assert_eq!(a, b);
}
