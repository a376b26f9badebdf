//! `doctor --probe`, the network side: sends the requests the core planned
//! ([`clawwatch_core::doctor::probe::plan()`]) over HTTPS with ureq (rustls),
//! through the gateway's rotation rule ([`rotate()`]). Secrets go only into
//! request headers; answers are built by the core, which scrubs the key
//! from the response text first.

use clawwatch_core::doctor::probe::{Answer, ProbeKey, ProbeResult, ProbeTarget, rotate};
use std::time::Duration;

fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!(
            "clawwatch/",
            env!("CARGO_PKG_VERSION"),
            " (doctor --probe)"
        ))
        .build()
        .into()
}

/// One authenticated GET, the key sent as the provider expects it.
fn http_get(agent: &ureq::Agent, provider: &str, url: &str, key: &ProbeKey) -> Answer {
    let secret = key.secret.expose();
    let mut req = agent.get(url).header("accept", "application/json");
    req = match (provider, key.bearer) {
        ("anthropic", false) => req
            .header("anthropic-version", "2023-06-01")
            .header("x-api-key", secret),
        ("anthropic", true) => req
            .header("anthropic-version", "2023-06-01")
            .header("anthropic-beta", "oauth-2025-04-20")
            .header("authorization", &format!("Bearer {secret}")),
        ("google", false) => req.header("x-goog-api-key", secret),
        _ => req.header("authorization", &format!("Bearer {secret}")),
    };
    match req.call() {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let raw = resp
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .unwrap_or_default();
            Answer::http(status, &raw, &key.secret)
        }
        Err(e) => Answer::transport(&e.to_string(), &key.secret),
    }
}

/// Send the requests (sequentially: a provider's rate limit is per key, and
/// a probe is a handful of requests).
pub fn execute(targets: &[ProbeTarget], timeout: Duration) -> Vec<ProbeResult> {
    // ureq and ureq-proto hex-dump requests (headers included) at `log`
    // trace level: never let RUST_LOG=trace print a key.
    log::set_max_level(log::max_level().min(log::LevelFilter::Debug));
    let agent = http_agent(timeout);
    targets.iter().map(|t| probe_target(&agent, t)).collect()
}

fn probe_target(agent: &ureq::Agent, t: &ProbeTarget) -> ProbeResult {
    let attempts = match &t.url {
        Some(url) => rotate(&t.keys, |k| {
            let a = http_get(agent, &t.provider, url, k);
            tracing::debug!(provider = %t.provider, key = %k.label, answer = %a.describe(), "probe");
            a
        }),
        None => vec![],
    };
    ProbeResult {
        agent: t.agent.clone(),
        provider: t.provider.clone(),
        selected: t.selected.clone(),
        routes: t.routes.clone(),
        url: t.url.clone(),
        keys: t.keys.len(),
        attempts,
        note: t.note.clone(),
    }
}
