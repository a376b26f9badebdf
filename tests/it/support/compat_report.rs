//! The reports of tests/alerts_state_compat.rs: every kind of alert the
//! planner makes (expiry warning and expired, missing, route unavailable,
//! blind agent, unreadable sources, doctor findings with and without a
//! path), so a state file holds every condition, state and source word.

use clawwatch_core::doctor::{Finding, FindingId, Level};
use clawwatch_core::model::*;

pub const T0: i64 = 1_795_639_915_000;
pub const M: i64 = 60_000;
pub const H: i64 = 60 * M;
pub const D: i64 = 24 * H;

fn cred(
    agent: &str,
    provider: &str,
    profile: &str,
    t: CredType,
    source: CredSource,
    expires: i64,
    now: i64,
) -> CredentialReport {
    CredentialReport {
        agent: agent.into(),
        provider: provider.into(),
        profile: profile.into(),
        cred_type: t,
        source,
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

fn problem(agent: &str, provider: &str, kind: ProblemKind, message: &str, fix: &str) -> Problem {
    Problem {
        agent: agent.into(),
        provider: Some(provider.into()),
        profile: None,
        verdict: Verdict::Failing,
        kind,
        message: message.into(),
        fix: fix.into(),
    }
}

fn agent(id: &str) -> AgentReport {
    AgentReport {
        agent: id.into(),
        default: id == "main",
        agent_dir: String::new(),
        store_path: String::new(),
        failure: None,
        routes: vec![],
        credentials: vec![],
        providers: vec![],
        verdict: Verdict::Failing,
        problems: vec![],
    }
}

/// Step 0: everything wrong. Step 1: the token renewed, the env key still
/// expiring, the blind agent readable again, the dotenv file readable.
pub fn report(step: u8, now: i64) -> Report {
    let mut main = agent("main");
    let token_expires = if step == 0 { T0 - H } else { T0 + 400 * D };
    main.credentials.push(cred(
        "main",
        "anthropic",
        "anthropic:manual",
        CredType::Token,
        CredSource::StateDb,
        token_expires,
        now,
    ));
    main.credentials.push(cred(
        "main",
        "openrouter",
        "OPENROUTER_API_KEY",
        CredType::ApiKey,
        CredSource::DotEnv,
        T0 + 20 * H,
        now,
    ));
    main.problems.push(problem(
        "main",
        "openai",
        ProblemKind::RuntimeUnavailable,
        "openai/gpt-5 needs the codex runtime",
        clawwatch_core::remedy::RUNTIME_UNAVAILABLE,
    ));
    main.problems.push(problem(
        "main",
        "google",
        ProblemKind::Missing,
        "google has no credential",
        "run `openclaw models auth login --provider google`",
    ));
    let mut ops = agent("ops");
    if step == 0 {
        ops.failure = Some(AgentFailure::new(
            FailureKind::AgentDbUnreadable,
            "cannot read openclaw-agent.sqlite",
        ));
    } else {
        ops.credentials.push(cred(
            "ops",
            "anthropic",
            "anthropic:work",
            CredType::OAuth,
            CredSource::AgentDb,
            T0 + 3 * D,
            now,
        ));
    }
    let mut read_problems = vec![ReadProblem {
        source: SourceName::ProfilesJson,
        reason: ReadReason::Malformed,
        path: Some("~/.openclaw/agents/main/agent/auth-profiles.json".into()),
        message: "expected value at line 1".into(),
    }];
    if step == 0 {
        read_problems.push(ReadProblem {
            source: SourceName::Dotenv,
            reason: ReadReason::Unreadable,
            path: Some("~/.openclaw/.env".into()),
            message: "permission denied".into(),
        });
    }
    Report {
        release: Default::default(),
        now_ms: now,
        warn_within_ms: D,
        state_dir: "~/.openclaw".into(),
        config_path: "~/.openclaw/openclaw.json".into(),
        verdict: Verdict::Failing,
        agents: vec![main, ops],
        external: vec![],
        read_problems,
    }
}

/// Doctor findings: one error with a path, two warnings of one id without.
pub fn findings(step: u8) -> Vec<Finding> {
    let mut f = vec![
        Finding::new(
            FindingId::from_word("auth-order-unknown-profile").expect("a finding id"),
            Level::Warning,
            "a token sits in openclaw.json",
            "run `openclaw doctor --fix`",
        )
        .agent("main"),
        Finding::new(
            FindingId::from_word("auth-order-unknown-profile").expect("a finding id"),
            Level::Warning,
            "another token sits in openclaw.json",
            "run `openclaw doctor --fix`",
        )
        .agent("main"),
    ];
    if step == 0 {
        f.push(
            Finding::new(
                FindingId::from_word("setup-token-in-api-key-var").expect("a finding id"),
                Level::Error,
                "a setup-token is in ANTHROPIC_API_KEY",
                "move it: `openclaw models auth paste-token --provider anthropic`",
            )
            .agent("main")
            .path("~/.openclaw/.env"),
        );
    }
    f
}

/// A version-1 state file: an expired token notified an hour ago, a route
/// unavailable (not notified), a resolved unreadable source, and a
/// condition no version of clawwatch makes.
pub fn v1_text() -> String {
    format!(
        r#"{{"version":1,"alerts":{{
  "main|anthropic|anthropic:manual|expiry": {{"severity":"critical","rank":4,"since_ms":{a},"last_notified_ms":{b}}},
  "main|openai||runtime_unavailable": {{"severity":"critical","rank":1,"since_ms":{a}}},
  "||~/.openclaw/.env|unreadable:dotenv": {{"severity":"warning","since_ms":{a},"last_notified_ms":{b},"resolved":true}},
  "main|anthropic|anthropic:old|cooldown": {{"severity":"warning","since_ms":{a},"last_notified_ms":{b}}}
}}}}"#,
        a = T0 - 2 * H,
        b = T0 - H
    )
}
