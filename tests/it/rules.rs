//! evaluate() as a table of rules (shared/openclaw-auth.md §3), with plain
//! snapshots built in memory: no files, no clock.

use clawwatch_core::evaluate;
use clawwatch_core::model::*;
use clawwatch_core::secret::Secret;

const NOW: i64 = 1_795_639_915_000;
const H: i64 = 3_600_000;
const D: i64 = 24 * H;

fn token(id: &str, provider: &str, expires: Option<Expires>) -> Profile {
    Profile {
        id: id.into(),
        provider: provider.into(),
        credential: Credential::Token {
            token: Some(Secret::new("sk-ant-oat01-FAKE-token")),
            token_ref: false,
            expires: expires.unwrap_or(Expires::Absent),
        },
        setup_inactive: false,
        email: None,
    }
}

fn tok_at(id: &str, at: i64) -> Profile {
    token(id, "anthropic", Some(Expires::Number(at as f64)))
}

fn oauth(id: &str, at: i64, refresh: bool) -> Profile {
    Profile {
        id: id.into(),
        provider: "anthropic".into(),
        credential: Credential::OAuth {
            access: Some(Secret::new("FAKE-access")),
            refresh: refresh.then(|| Secret::new("FAKE-refresh")),
            oauth_ref: false,
            expires: Expires::Number(at as f64),
            refresh_fence: false,
        },
        setup_inactive: false,
        email: Some("fake@example.invalid".into()),
    }
}

fn api_key(id: &str, provider: &str) -> Profile {
    Profile {
        id: id.into(),
        provider: provider.into(),
        credential: Credential::ApiKey {
            key: Some(Secret::new("sk-ant-api03-FAKE-key")),
            key_ref: false,
        },
        setup_inactive: false,
        email: None,
    }
}

fn anthropic_config() -> OpenclawConfig {
    OpenclawConfig {
        defaults_model: ModelSpec {
            primary: Some("anthropic/claude-sonnet-4-6".into()),
            fallbacks: None,
        },
        ..Default::default()
    }
}

fn snap(cfg: Option<OpenclawConfig>, profiles: Vec<Profile>) -> Snapshot {
    Snapshot {
        config: cfg
            .map(|c| ConfigRead::Loaded(Box::new(c)))
            .unwrap_or_default(),
        shared_store: StoreRead::Loaded {
            location: StoreLocation::StateDb,
            path: "/h/.openclaw/state/openclaw.sqlite".into(),
            store: profiles.into_iter().collect(),
        },
        agents: vec![AgentRead {
            id: "main".into(),
            dir: "/h/.openclaw/agents/main/agent".into(),
            ..Default::default()
        }],
        paths: Paths {
            main_agent_dir: "/h/.openclaw/agents/main/agent".into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn with_env(mut s: Snapshot, name: &str, value: &str) -> Snapshot {
    s.env.vars.insert(
        name.into(),
        EnvVar {
            value: Secret::new(value),
            origin: EnvOrigin::Process,
        },
    );
    s
}

fn store_mut(s: &mut Snapshot) -> &mut AuthStore {
    match &mut s.shared_store {
        StoreRead::Loaded { store, .. } => store,
        _ => unreachable!("test snapshots always have a store"),
    }
}

fn verdict(s: &Snapshot) -> Verdict {
    evaluate(s, NOW, &Policy::default()).verdict
}

fn rc(s: &Snapshot) -> i32 {
    verdict(s).openclaw_code()
}

#[test]
fn expiring_boundary_is_24h_inclusive() {
    let cfg = Some(anthropic_config());
    assert_eq!(
        rc(&snap(cfg.clone(), vec![tok_at("a:m", NOW + D)])),
        2,
        "exactly 24h is expiring"
    );
    assert_eq!(
        rc(&snap(cfg.clone(), vec![tok_at("a:m", NOW + D + 1)])),
        0,
        "24h + 1ms is ok"
    );
    assert_eq!(
        rc(&snap(cfg.clone(), vec![tok_at("a:m", NOW + 1)])),
        2,
        "1ms left is expiring"
    );
    assert_eq!(
        rc(&snap(cfg, vec![tok_at("a:m", NOW)])),
        1,
        "expires == now is expired"
    );
}

#[test]
fn expires_must_be_valid_epoch_ms() {
    let cfg = Some(anthropic_config());
    let with = |e: Expires| rc(&snap(cfg.clone(), vec![token("a:m", "anthropic", Some(e))]));
    assert_eq!(with(Expires::Number(0.0)), 1, "expires 0 is invalid");
    assert_eq!(with(Expires::Number(-5.0)), 1, "negative is invalid");
    assert_eq!(
        with(Expires::NotANumber("a string".into())),
        1,
        "a string is invalid"
    );
    assert_eq!(
        with(Expires::Number(9.0e15)),
        1,
        "beyond 8.64e15 is invalid"
    );
    // Seconds instead of milliseconds: read as ms, i.e. January 1970.
    assert_eq!(
        with(Expires::Number(1.79e9)),
        1,
        "seconds-epoch is long expired"
    );
    assert_eq!(
        rc(&snap(cfg, vec![token("a:m", "anthropic", None)])),
        0,
        "no expiry is static"
    );
}

#[test]
fn only_the_selected_profile_counts() {
    let cfg = Some(anthropic_config());
    // Expired token + expiring token on one provider: the expired one is skipped → 2.
    let s = snap(
        cfg.clone(),
        vec![tok_at("a:old", NOW - H), tok_at("a:new", NOW + 3 * H)],
    );
    assert_eq!(rc(&s), 2);
    // Expiring token beside an api key: tokens sort before keys → the token → 2.
    let s = snap(
        cfg.clone(),
        vec![api_key("a:key", "anthropic"), tok_at("a:tok", NOW + 3 * H)],
    );
    assert_eq!(rc(&s), 2);
    // A profile of an unused provider never counts.
    let s = snap(
        cfg,
        vec![
            api_key("a:key", "anthropic"),
            token("o:m", "openai", Some(Expires::Number((NOW - H) as f64))),
        ],
    );
    assert_eq!(rc(&s), 0);
}

#[test]
fn order_pins_selection_and_disables_env_fallback() {
    let cfg = Some(anthropic_config());
    let mut s = snap(
        cfg.clone(),
        vec![api_key("a:key", "anthropic"), tok_at("a:tok", NOW + 3 * H)],
    );
    store_mut(&mut s).order = vec![("anthropic".into(), vec!["a:key".into(), "a:tok".into()])];
    assert_eq!(rc(&s), 0, "order picks the api key first");

    // An expired token pinned by an order beside a valid env key → 1.
    let mut s = with_env(
        snap(cfg.clone(), vec![tok_at("a:tok", NOW - H)]),
        "ANTHROPIC_API_KEY",
        "sk-ant-api03-FAKE",
    );
    store_mut(&mut s).order = vec![("anthropic".into(), vec!["a:tok".into()])];
    assert_eq!(rc(&s), 1, "explicit order disables the env fallback");

    // A config auth.order = [] means no profiles (and no env fallback).
    let mut c = anthropic_config();
    c.auth_order = vec![("anthropic".into(), vec![])];
    let s = with_env(
        snap(Some(c), vec![api_key("a:key", "anthropic")]),
        "ANTHROPIC_API_KEY",
        "sk-ant-api03-FAKE",
    );
    assert_eq!(rc(&s), 1);
}

#[test]
fn env_key_beside_an_expired_token_is_fine() {
    let s = with_env(
        snap(Some(anthropic_config()), vec![tok_at("a:tok", NOW - H)]),
        "ANTHROPIC_API_KEY",
        "sk-ant-api03-FAKE",
    );
    assert_eq!(rc(&s), 0);
    // A blank env value does not count.
    let s = with_env(
        snap(Some(anthropic_config()), vec![]),
        "ANTHROPIC_API_KEY",
        "   ",
    );
    assert_eq!(rc(&s), 1);
}

#[test]
fn cooldown_on_the_only_profile_is_missing() {
    let mut s = snap(
        Some(anthropic_config()),
        vec![api_key("a:key", "anthropic")],
    );
    store_mut(&mut s).usage.insert(
        "a:key".into(),
        UsageStats {
            cooldown_until: Some((NOW + 2 * H) as f64),
            cooldown_reason: Some("rate_limit".into()),
            ..Default::default()
        },
    );
    assert_eq!(rc(&s), 1);
    // A past cooldown has no effect.
    store_mut(&mut s)
        .usage
        .get_mut("a:key")
        .unwrap()
        .cooldown_until = Some((NOW - 1) as f64);
    assert_eq!(rc(&s), 0);
    // A rate-limit cooldown scoped to another model does not block this route.
    {
        let u = store_mut(&mut s).usage.get_mut("a:key").unwrap();
        u.cooldown_until = Some((NOW + 2 * H) as f64);
        u.cooldown_model = Some("claude-opus-9".into());
    }
    assert_eq!(rc(&s), 0);
    // A cooled-down expiring token next to a valid token: the valid one is used.
    let mut s = snap(
        Some(anthropic_config()),
        vec![tok_at("a:soon", NOW + H), tok_at("a:ok", NOW + 30 * D)],
    );
    store_mut(&mut s).usage.insert(
        "a:soon".into(),
        UsageStats {
            disabled_until: Some((NOW + H) as f64),
            ..Default::default()
        },
    );
    assert_eq!(rc(&s), 0);
}

#[test]
fn expired_oauth_is_1_even_with_a_refresh_token() {
    let cfg = Some(anthropic_config());
    assert_eq!(rc(&snap(cfg.clone(), vec![oauth("a:o", NOW - H, true)])), 1);
    assert_eq!(
        rc(&snap(cfg.clone(), vec![oauth("a:o", NOW - H, false)])),
        1
    );
    assert_eq!(
        rc(&snap(cfg.clone(), vec![oauth("a:o", NOW + 5 * H, true)])),
        2
    );
    assert_eq!(rc(&snap(cfg, vec![oauth("a:o", NOW + 30 * D, true)])), 0);
}

#[test]
fn fallback_on_a_provider_without_auth_fails() {
    let mut c = anthropic_config();
    c.defaults_model.fallbacks = Some(vec!["google/gemini-3-pro".into()]);
    let s = snap(Some(c.clone()), vec![api_key("a:key", "anthropic")]);
    assert_eq!(rc(&s), 1, "google fallback has no credential");
    let s = with_env(s, "GEMINI_API_KEY", "FAKE-gemini");
    assert_eq!(rc(&s), 0);
    // A fallback route's expiring profile also counts (1 beats 2 across routes).
    c.defaults_model.fallbacks = Some(vec!["openrouter/some-model".into()]);
    let s = snap(
        Some(c),
        vec![
            api_key("a:key", "anthropic"),
            token(
                "or:t",
                "openrouter",
                Some(Expires::Number((NOW + H) as f64)),
            ),
        ],
    );
    assert_eq!(rc(&s), 2);
}

#[test]
fn utility_model_is_a_route() {
    // Explicit utility on another provider adds a route that needs auth.
    let mut c = anthropic_config();
    c.defaults_utility = Some("xai/grok-mini".into());
    let s = snap(Some(c.clone()), vec![api_key("a:key", "anthropic")]);
    assert_eq!(rc(&s), 1);
    // Disabled utility ("") removes it.
    c.defaults_utility = Some(String::new());
    assert_eq!(rc(&snap(Some(c), vec![api_key("a:key", "anthropic")])), 0);
    // The provider default (anthropic → claude-haiku-4-5) is listed.
    let r = evaluate(
        &snap(
            Some(anthropic_config()),
            vec![api_key("a:key", "anthropic")],
        ),
        NOW,
        &Policy::default(),
    );
    assert!(
        r.agents[0]
            .routes
            .iter()
            .any(|r| r.kind == RouteKind::Utility && r.model == "anthropic/claude-haiku-4-5")
    );
}

#[test]
fn no_config_means_openai_on_codex_which_is_unavailable() {
    let s = with_env(snap(None, vec![]), "OPENAI_API_KEY", "sk-proj-FAKE");
    assert_eq!(rc(&s), 1);
}

#[test]
fn multiple_agents() {
    let mut c = anthropic_config();
    c.ownership_explicit = true;
    c.system_agent = Some("main".into());
    c.agents = vec![
        AgentEntry {
            id: "main".into(),
            ..Default::default()
        },
        AgentEntry {
            id: "research".into(),
            model: Some(ModelSpec {
                primary: Some("google/gemini-3-pro".into()),
                fallbacks: None,
            }),
            ..Default::default()
        },
    ];
    let mut s = snap(Some(c.clone()), vec![api_key("a:key", "anthropic")]);
    s.agents.push(AgentRead {
        id: "research".into(),
        dir: "/h/.openclaw/agents/research/agent".into(),
        ..Default::default()
    });
    // OpenClaw checks only the default agent.
    assert_eq!(rc(&s), 0);
    // --all-agents sees research's google route without a key.
    let all = Policy {
        agents: AgentScope::All,
        ..Policy::default()
    };
    let r = evaluate(&s, NOW, &all);
    assert_eq!(r.verdict, Verdict::Failing);
    assert_eq!(r.agents.len(), 2);
    assert!(
        r.problems()
            .any(|p| p.agent == "research" && p.provider.as_deref() == Some("google"))
    );
    // Several agents and no owner: OpenClaw refuses (1).
    c.system_agent = None;
    let mut s2 = s.clone();
    s2.config = ConfigRead::Loaded(Box::new(c));
    assert_eq!(rc(&s2), 1);
}

#[test]
fn warn_within_changes_the_window() {
    let s = snap(Some(anthropic_config()), vec![tok_at("a:m", NOW + 3 * D)]);
    assert_eq!(rc(&s), 0);
    let week = Policy {
        warn_within_ms: 7 * D,
        ..Policy::default()
    };
    assert_eq!(evaluate(&s, NOW, &week).verdict, Verdict::Expiring);
}

#[test]
fn problems_name_profile_provider_and_fix() {
    let r = evaluate(
        &snap(
            Some(anthropic_config()),
            vec![tok_at("anthropic:manual", NOW - H)],
        ),
        NOW,
        &Policy::default(),
    );
    let p = r.problems().next().expect("one problem");
    assert_eq!(p.agent, "main");
    assert_eq!(p.provider.as_deref(), Some("anthropic"));
    assert_eq!(p.profile.as_deref(), Some("anthropic:manual"));
    assert!(p.fix.contains("claude setup-token"), "{}", p.fix);
    assert!(
        p.fix.contains("paste-token --provider anthropic"),
        "{}",
        p.fix
    );
}

#[test]
fn command_failures_are_1() {
    let mut s = snap(
        Some(anthropic_config()),
        vec![api_key("a:key", "anthropic")],
    );
    s.config = ConfigRead::Invalid {
        message: "Invalid config".into(),
        issues: vec![],
    };
    assert_eq!(rc(&s), 1);
    let mut s = snap(Some(anthropic_config()), vec![]);
    s.shared_store = StoreRead::Failed {
        path: "/x".into(),
        message: "bad".into(),
        cause: StoreFailure::StoreRowUnreadable,
    };
    assert_eq!(rc(&s), 1);
}

#[test]
fn default_agent_uses_the_defaults_text_routes_unless_named() {
    // systemAgent "research" overrides its model to google, but without
    // --agent OpenClaw checks the defaults' text routes (recorded: rc 0).
    let mut c = anthropic_config();
    c.ownership_explicit = true;
    c.system_agent = Some("research".into());
    c.agents = vec![
        AgentEntry {
            id: "main".into(),
            ..Default::default()
        },
        AgentEntry {
            id: "research".into(),
            model: Some(ModelSpec {
                primary: Some("google/gemini-2.5-pro".into()),
                fallbacks: None,
            }),
            ..Default::default()
        },
    ];
    let s = snap(Some(c), vec![tok_at("anthropic:manual", NOW + 30 * D)]);
    assert_eq!(rc(&s), 0);
    let named = Policy {
        agents: AgentScope::Only(vec!["research".into()]),
        ..Policy::default()
    };
    assert_eq!(
        evaluate(&s, NOW, &named).verdict,
        Verdict::Failing,
        "--agent research checks google"
    );
}

#[test]
fn an_explicit_openai_utility_model_does_not_need_codex() {
    let mut c = anthropic_config();
    c.defaults_utility = Some("openai/gpt-5.6-luna".into());
    let s = snap(Some(c), vec![api_key("anthropic:key", "anthropic")]);
    assert_eq!(rc(&s), 1, "no openai credential");
    assert_eq!(rc(&with_env(s, "OPENAI_API_KEY", "sk-proj-FAKE")), 0);
}
