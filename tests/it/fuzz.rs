//! A fuzz harness per parser (issue 17, must show 2): proptest feeds each
//! parser arbitrary text and mutations of a valid seed; the property is
//! that it returns (Ok or Err) without panicking. CI runs
//! `CLAWWATCH_FUZZ_CASES` inputs per parser (default 500, a few seconds);
//! the README gives the count of the long local run.

use clawwatch::sources::{claude_code, dotenv, openclaw_config, sqlite_store, store_json};
use clawwatch_core::secret::Secret;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("CLAWWATCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// A mutation: at a position (a fraction of the length), delete some
/// bytes and insert others.
#[derive(Debug, Clone)]
struct Edit {
    at: f64,
    delete: usize,
    insert: Vec<u8>,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let interesting = prop_oneof![
        any::<u8>(),
        Just(b'"'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b'\\'),
        Just(b'\n'),
        Just(b'='),
        Just(0u8),
        Just(0xff),
    ];
    prop::collection::vec(
        (
            0.0..1.0f64,
            0usize..8,
            prop::collection::vec(interesting, 0..8),
        )
            .prop_map(|(at, delete, insert)| Edit { at, delete, insert }),
        1..6,
    )
}

fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = ((b.len() as f64) * e.at) as usize;
        let end = (at + e.delete).min(b.len());
        b.splice(at..end, e.insert.iter().copied());
    }
    b
}

/// Arbitrary text, or a seed mutated (as lossy UTF-8).
fn inputs(seeds: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        3 => (0..seeds.len(), edits()).prop_map(move |(i, e)| {
            String::from_utf8_lossy(&mutate(seeds[i].as_bytes(), &e)).into_owned()
        }),
    ]
}

/// Run `check` on `cases()` inputs; returns how many ran.
fn fuzz(name: &str, strategy: impl Strategy<Value = String>, check: impl Fn(&str)) {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let n = std::cell::Cell::new(0u64);
    let result = runner.run(&strategy, |s| {
        n.set(n.get() + 1);
        check(&s);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    eprintln!("fuzz {name}: {} inputs", n.get());
}

const STORES: &[&str] = &[
    r#"{"version":1,"profiles":{"anthropic:manual":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-FAKE","expires":1795639915000},"openai:k":{"type":"api_key","provider":"openai","key":"sk-FAKE"},"o:x":{"type":"oauth","provider":"openai-codex","access":"a","refresh":"r","expires":1}}}"#,
    r#"{"anthropic:default":{"type":"token","provider":"anthropic","token":"x"}}"#,
];
const STATES: &[&str] = &[
    r#"{"version":1,"order":{"anthropic":["anthropic:manual"]},"lastGood":{"anthropic":"anthropic:manual"},"usageStats":{"anthropic:manual":{"cooldownUntil":1795639915000,"cooldownReason":"rate_limit","errorCount":2,"disabledUntil":5,"lastUsed":1}}}"#,
];
const CONFIGS: &[&str] = &[
    r#"{"agents":{"defaults":{"model":{"primary":"anthropic/claude-sonnet-4-6","fallbacks":["openai/gpt-5"]}},"list":[{"id":"main","default":true},{"id":"research","model":"openai/gpt-5"}]},"auth":{"order":{"anthropic":["anthropic:manual"]},"profiles":{"anthropic:manual":{"provider":"anthropic","mode":"token"}}}}"#,
    "// json5\n{agents: {defaults: {model: 'anthropic/x',},}, env: {vars: {A: '1'}}, /* c */}",
];
const DOTENVS: &[&str] =
    &["# c\nexport A=1\nB = 'two words' \nC=\"x\\ny\"\nD=plain # trailing\nE=\nF: g\n"];
const CLAUDE: &[&str] = &[
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-FAKE","refreshToken":"r","expiresAt":1798231915000,"subscriptionType":"max"}}"#,
];
const ALERT_STATES: &[&str] = &[
    r#"{"version":2,"next_id":3,"alerts":[],"outbox":[],"channels":{"hook":{"failures":1,"next_try_ms":5,"last_error":"x"}}}"#,
    r#"{"version":1,"alerts":{"expiry/anthropic:manual":{"severity":"critical","rank":4,"since_ms":1,"last_notified_ms":2}}}"#,
];
const TOMLS: &[&str] = &[
    "[check]\nschedule = \"*/10 * * * *\"\nwarn_within = \"24h\"\n[metrics]\nlisten = \"127.0.0.1:9847\"\ntextfile = \"/x.prom\"\n[alert]\nrepeat_every = \"12h\"\n[[alert.webhook]]\nname = \"w\"\nurl = \"http://127.0.0.1:1/x\"\n[[alert.email]]\nsmtp_host = \"h\"\nto = [\"a@b\"]\nfrom = \"c@d\"\n[doctor]\nbase_urls = { anthropic = \"https://x\" }\n",
];
const SCHEDULES: &[&str] = &["*/5 * * * *", "0 9 * * 1-5", "*/20 * * * * *", "0 0 30 2 *"];
const BODIES: &[&str] = &[
    r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"#,
    r#"{"error":{"code":400,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#,
];

#[test]
fn fuzz_dotenv() {
    fuzz("dotenv", inputs(DOTENVS), |s| {
        let _ = dotenv::parse(s);
    });
}

#[test]
fn fuzz_openclaw_json() {
    fuzz("openclaw.json", inputs(CONFIGS), |s| {
        let _ = openclaw_config::parse(s, "openclaw.json");
    });
}

#[test]
fn fuzz_store_json() {
    fuzz("auth-profiles store", inputs(STORES), |s| {
        let _ = store_json::parse_store_str(s, "store");
    });
}

#[test]
fn fuzz_store_state() {
    fuzz("auth-profiles state", inputs(STATES), |s| {
        if let Ok((mut store, _)) = store_json::parse_store_str(STORES[0], "store") {
            let _ = store_json::apply_state_str(&mut store, s, "state");
        }
    });
}

#[test]
fn fuzz_claude_credentials() {
    fuzz("claude credentials", inputs(CLAUDE), |s| {
        if let Ok(v) = serde_json::from_str(s) {
            let _ = claude_code::parse(&v);
        }
    });
}

#[test]
fn fuzz_alert_state() {
    fuzz("alert state", inputs(ALERT_STATES), |s| {
        let _ = clawwatch_core::alert::state::parse(s);
    });
}

#[test]
fn fuzz_clawwatch_toml() {
    let env = std::collections::BTreeMap::new();
    fuzz("clawwatch.toml", inputs(TOMLS), |s| {
        let _ = clawwatch::config::parse_str(s, "clawwatch.toml".into(), &env);
    });
}

#[test]
fn fuzz_schedule() {
    fuzz("schedule", inputs(SCHEDULES), |s| {
        let _ = clawwatch::schedule::Schedule::parse(s, "");
        let _ = clawwatch::schedule::Schedule::parse("*/5 * * * *", s);
    });
}

#[test]
fn fuzz_probe_answer() {
    let key = Secret::new("sk-ant-api03-FAKE-fuzz-key");
    fuzz("probe answer", inputs(BODIES), |s| {
        for status in [200, 401, 429, 500] {
            let _ = clawwatch_core::doctor::probe::Answer::http(status, s, &key).describe();
        }
    });
}

#[test]
fn fuzz_sqlite_store() {
    // Mutated bytes of a valid per-agent database, read as a store.
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("seed.sqlite");
    let c = rusqlite::Connection::open(&seed_path).unwrap();
    c.execute_batch(&format!(
        "CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, store_json TEXT);
         INSERT INTO auth_profile_store VALUES ('primary', '{}');",
        STORES[0]
    ))
    .unwrap();
    drop(c);
    let seed = std::fs::read(&seed_path).unwrap();
    let path = dir.path().join("agent.sqlite");
    let conns = sqlite_store::Connections::default();
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let n = std::cell::Cell::new(0u64);
    runner
        .run(&edits(), |e| {
            n.set(n.get() + 1);
            std::fs::write(&path, mutate(&seed, &e)).unwrap();
            let _ = sqlite_store::read_agent_db(&conns, &path);
            Ok(())
        })
        .unwrap();
    eprintln!("fuzz sqlite store: {} inputs", n.get());
}
