//! `doctor --probe`: one minimal authenticated request per selected
//! credential, rotating keys exactly as OpenClaw's gateway does
//! (`executeWithApiKeyRotation`): the selected credential first, then the
//! gateway's env keys (`rotation_keys`), deduplicated; the next key only after
//! a rate-limit answer; any other error stops; when every key fails, the last
//! error is the answer.
//!
//! Planning and the rotation rule are pure (the transport is a closure); the
//! HTTP transport uses ureq (rustls). Secrets go only into request headers:
//! results and findings hold masked hints, and response text is scrubbed of
//! the key before it is kept.

use super::{Finding, Level};
use clawwatch_core::model::{CredType, Credential, EnvSnapshot, Report, RouteHealth, Snapshot};
use clawwatch_core::openclaw::env::rotation_keys;
use clawwatch_core::secret::Secret;
use clawwatch_core::timefmt::iso;
use std::collections::BTreeMap;
use std::time::Duration;

/// Per provider: default base URL, the cheapest authenticated GET, and how
/// an API key is sent.
struct Spec {
    provider: &'static str,
    base: &'static str,
    path: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        provider: "anthropic",
        base: "https://api.anthropic.com",
        path: "/v1/models",
    },
    Spec {
        provider: "openai",
        base: "https://api.openai.com",
        path: "/v1/models",
    },
    Spec {
        provider: "xai",
        base: "https://api.x.ai",
        path: "/v1/models",
    },
    Spec {
        provider: "openrouter",
        base: "https://openrouter.ai",
        path: "/api/v1/key",
    },
    Spec {
        provider: "google",
        base: "https://generativelanguage.googleapis.com",
        path: "/v1beta/models",
    },
];

/// One key to try. Never printed: only `label` and `masked` leave here.
#[derive(Clone)]
pub struct ProbeKey {
    /// Profile id, env var, or `VAR[n]` for a list entry.
    pub label: String,
    pub secret: Secret,
    /// Sent as `Authorization: Bearer` (OAuth and setup tokens).
    pub bearer: bool,
    /// api_key | token | oauth
    pub cred_type: CredType,
    pub expires_at_ms: Option<i64>,
}

impl std::fmt::Debug for ProbeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeKey")
            .field("label", &self.label)
            .field("secret", &self.secret)
            .field("bearer", &self.bearer)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub agent: String,
    pub provider: String,
    /// What the routes selected (profile id or env var); None = only the
    /// gateway's rotation keys.
    pub selected: Option<String>,
    pub routes: Vec<String>,
    /// None when clawwatch has no probe for this provider.
    pub url: Option<String>,
    pub keys: Vec<ProbeKey>,
    /// Why nothing can be sent for the selected credential (a keyRef, …).
    pub note: Option<String>,
}

/// A provider's answer to one request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Answer {
    Http {
        status: u16,
        /// The body (scrubbed, shortened): what the gateway's error message
        /// holds, used to classify rate limits.
        body: String,
        /// The error message for people (scrubbed, one line).
        detail: String,
    },
    Transport(String),
}

impl Answer {
    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Http { status, .. } if (200..300).contains(status))
    }

    /// The gateway's rule (`isApiKeyRateLimitError` on the error message,
    /// which starts with the HTTP status).
    pub fn is_rate_limit(&self) -> bool {
        match self {
            Answer::Http { status, body, .. } => {
                !self.is_success() && (*status == 429 || is_rate_limit_message(body))
            }
            Answer::Transport(m) => is_rate_limit_message(m),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Answer::Http { status, detail, .. } if detail.is_empty() => format!("HTTP {status}"),
            Answer::Http { status, detail, .. } => format!("HTTP {status} {detail}"),
            Answer::Transport(m) => m.clone(),
        }
    }
}

/// OpenClaw's rate-limit message patterns (`ERROR_PATTERNS.rateLimit`).
pub fn is_rate_limit_message(raw: &str) -> bool {
    let m = raw.to_lowercase();
    let has = |s: &str| m.contains(s);
    let word = |w: &str| {
        m.match_indices(w).any(|(i, _)| {
            let before = m[..i].chars().next_back();
            let after = m[i + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let sep_variants = |a: &str, b: &str| {
        ["_", " ", "-", ""]
            .iter()
            .any(|s| has(&format!("{a}{s}{b}")))
    };
    has("rate_limit")
        || has("rate limit")
        || has("too many requests")
        || has("too many concurrent requests")
        || m.trim_start().starts_with("429")
        || has("throttl")
        || (has("concurrency limit") && (has("breached") || has("reached")))
        || has("model_cooldown")
        || has("exceeded your current quota")
        || sep_variants("resource", "exhausted")
        || sep_variants("quota", "exceeded")
        || has("usage limit")
        || word("tpm")
        || has("tokens per minute")
        || has("tokens per day")
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    pub label: String,
    pub masked: String,
    pub cred_type: String,
    pub expires_at_ms: Option<i64>,
    pub answer: Answer,
}

/// The gateway's rotation: try keys in order; stop on success or on any
/// error that is not a rate limit; the last attempt is the answer.
pub fn rotate(keys: &[ProbeKey], mut call: impl FnMut(&ProbeKey) -> Answer) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    for k in keys {
        let answer = call(k);
        let stop = answer.is_success() || !answer.is_rate_limit();
        attempts.push(Attempt {
            label: k.label.clone(),
            masked: k.secret.masked(),
            cred_type: k.cred_type.to_string(),
            expires_at_ms: k.expires_at_ms,
            answer,
        });
        if stop {
            break;
        }
    }
    attempts
}

/// What one target's probe found (no secrets: labels and masked keys
/// only, so it may be kept in the agent's probe state file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeResult {
    pub agent: String,
    pub provider: String,
    pub selected: Option<String>,
    pub routes: Vec<String>,
    pub url: Option<String>,
    /// Keys in the gateway's order.
    pub keys: usize,
    pub attempts: Vec<Attempt>,
    pub note: Option<String>,
}

impl ProbeResult {
    pub fn success(&self) -> bool {
        self.attempts.last().is_some_and(|a| a.answer.is_success())
    }
}

fn key_label(env: &EnvSnapshot, vars: &[String], key: &Secret) -> String {
    for v in vars {
        let Some(ev) = env.get(v) else { continue };
        let parts: Vec<&str> = ev
            .value
            .expose()
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(i) = parts.iter().position(|p| *p == key.expose()) {
            return if parts.len() > 1 || v.ends_with("KEYS") {
                format!("{v}[{}]", i + 1)
            } else {
                v.clone()
            };
        }
    }
    "rotation key".into()
}

/// The probe targets: per agent and provider of the configured routes, the
/// selected credential followed by the gateway's rotation keys.
pub fn plan(
    snap: &Snapshot,
    report: &Report,
    base_urls: &BTreeMap<String, String>,
) -> Vec<ProbeTarget> {
    let mut out: Vec<ProbeTarget> = Vec::new();
    for a in &report.agents {
        // (provider, selected) → routes
        type Group = ((String, Option<String>), Vec<String>);
        let mut groups: Vec<Group> = Vec::new();
        for r in &a.routes {
            if r.health == RouteHealth::Unavailable {
                continue;
            }
            let key = (r.provider.clone(), r.selected.clone());
            let desc = super::openclaw::route_desc(r);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(desc),
                None => groups.push((key, vec![desc])),
            }
        }
        for ((provider, selected), routes) in groups {
            let mut keys: Vec<ProbeKey> = Vec::new();
            let mut note = None;
            if let Some(sel) = &selected {
                if let Some(p) = super::openclaw::stored_profile(snap, &a.agent, sel) {
                    let (secret, bearer, expires) = match &p.credential {
                        Credential::ApiKey { key, .. } => (key.clone(), false, None),
                        Credential::Token { token, expires, .. } => {
                            (token.clone(), true, expires_ms(expires))
                        }
                        Credential::OAuth {
                            access, expires, ..
                        } => (access.clone(), true, expires_ms(expires)),
                    };
                    match secret.filter(|s| !s.is_blank()) {
                        Some(s) => keys.push(ProbeKey {
                            label: sel.clone(),
                            secret: Secret::new(s.expose().trim()),
                            bearer,
                            cred_type: p.credential.cred_type(),
                            expires_at_ms: expires,
                        }),
                        None => {
                            note = Some(format!(
                                "{sel} holds a secret reference, not a value; clawwatch does not resolve references"
                            ))
                        }
                    }
                } else if let Some(v) = snap.env.get(sel) {
                    let bearer = sel.contains("OAUTH_TOKEN");
                    keys.push(ProbeKey {
                        label: sel.clone(),
                        secret: Secret::new(v.value.expose().trim()),
                        bearer,
                        cred_type: if bearer {
                            CredType::OAuth
                        } else {
                            CredType::ApiKey
                        },
                        expires_at_ms: None,
                    });
                }
            }
            let (rot, vars) = rotation_keys(&snap.env, &provider);
            for k in rot {
                if keys.iter().any(|x| x.secret.expose() == k.expose()) {
                    continue;
                }
                keys.push(ProbeKey {
                    label: key_label(&snap.env, &vars, &k),
                    secret: k,
                    bearer: false,
                    cred_type: CredType::ApiKey,
                    expires_at_ms: None,
                });
            }
            if keys.is_empty() && note.is_none() {
                continue;
            }
            let url = SPECS.iter().find(|s| s.provider == provider).map(|s| {
                let base = base_urls
                    .get(&provider)
                    .map(|b| b.trim())
                    .filter(|b| !b.is_empty())
                    .unwrap_or(s.base);
                format!("{}{}", base.trim_end_matches('/'), s.path)
            });
            // The same keys for the same provider are probed once.
            let dup = out.iter().any(|t| {
                t.provider == provider
                    && t.keys.len() == keys.len()
                    && t.keys
                        .iter()
                        .zip(&keys)
                        .all(|(x, y)| x.secret == y.secret && x.bearer == y.bearer)
                    && t.note == note
            });
            if dup {
                continue;
            }
            out.push(ProbeTarget {
                agent: a.agent.clone(),
                provider,
                selected,
                routes,
                url,
                keys,
                note,
            });
        }
    }
    out
}

fn expires_ms(e: &clawwatch_core::model::Expires) -> Option<i64> {
    match e {
        clawwatch_core::model::Expires::Number(n) if n.is_finite() && *n > 0.0 && *n <= 8.64e15 => {
            Some(*n as i64)
        }
        _ => None,
    }
}

// ------------------------------------------------------------ HTTP

/// Replace every occurrence of the secret (and collapse whitespace).
fn scrub(text: &str, secret: &Secret) -> String {
    let s = secret.expose();
    let t = if s.len() >= 4 {
        text.replace(s, &secret.masked())
    } else {
        text.to_string()
    };
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The provider's error message from a JSON error body, else the body.
fn detail_of(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let e = v.get("error").unwrap_or(&v);
        let msg = e
            .get("message")
            .and_then(|m| m.as_str())
            .or_else(|| e.as_str());
        let ty = e
            .get("type")
            .or_else(|| e.get("status"))
            .or_else(|| e.get("code"))
            .and_then(|t| t.as_str());
        match (ty, msg) {
            (Some(t), Some(m)) => return shorten(&format!("{t}: {m}"), 300),
            (None, Some(m)) => return shorten(m, 300),
            _ => {}
        }
    }
    shorten(body, 300)
}

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
            let body = shorten(&scrub(&raw, &key.secret), 4000);
            Answer::Http {
                status,
                detail: if (200..300).contains(&status) {
                    String::new()
                } else {
                    detail_of(&body)
                },
                body,
            }
        }
        Err(e) => Answer::Transport(shorten(&scrub(&e.to_string(), &key.secret), 300)),
    }
}

/// Send the requests (sequentially: a provider's rate limit is per key, and
/// a probe is a handful of requests).
pub fn execute(targets: &[ProbeTarget], timeout: Duration) -> Vec<ProbeResult> {
    // ureq and ureq-proto hex-dump requests (headers included) at `log`
    // trace level: never let RUST_LOG=trace print a key.
    log::set_max_level(log::max_level().min(log::LevelFilter::Debug));
    let agent = http_agent(timeout);
    targets
        .iter()
        .map(|t| {
            let attempts = match &t.url {
                Some(url) => rotate(&t.keys, |k| {
                    let a = http_get(&agent, &t.provider, url, k);
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
        })
        .collect()
}

// ------------------------------------------------------------ findings

fn trail(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "#{} {} ({}): {}",
                i + 1,
                a.label,
                a.masked,
                if a.answer.is_success() {
                    "accepted".to_string()
                } else {
                    a.answer.describe()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn findings(results: &[ProbeResult], now_ms: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in results {
        let p = &r.provider;
        let f = |id, sev, msg: String, fix: String| {
            Finding::new(id, sev, msg, fix).agent(r.agent.clone())
        };
        if r.url.is_none() {
            out.push(f(
                "probe-unsupported",
                Level::Info,
                format!(
                    "no live probe for provider {p} yet ({})",
                    r.routes.join(", ")
                ),
                String::new(),
            ));
            continue;
        }
        if let Some(note) = &r.note
            && r.attempts.is_empty()
        {
            out.push(f(
                "probe-skipped",
                Level::Info,
                format!("{p}: not probed: {note}"),
                String::new(),
            ));
            continue;
        }
        let Some(last) = r.attempts.last() else {
            continue;
        };
        let url = r.url.as_deref().unwrap_or("");
        let untried = r.keys.saturating_sub(r.attempts.len());
        let routes = r.routes.join(", ");
        if last.answer.is_success() {
            let mut msg = format!("{p} accepted {} ({}) for {routes}", last.label, last.masked);
            if r.attempts.len() > 1 {
                msg.push_str(&format!(
                    " after rotating past {} rate-limited key(s), in the gateway's order: {}",
                    r.attempts.len() - 1,
                    trail(&r.attempts)
                ));
            }
            out.push(f("probe-ok", Level::Info, msg, String::new()));
            continue;
        }
        let tried = if r.attempts.len() > 1 {
            format!(
                " ({} of {} key(s) tried in the gateway's order: {})",
                r.attempts.len(),
                r.keys,
                trail(&r.attempts)
            )
        } else if r.keys > 1 {
            format!(" (key 1 of {} in the gateway's order)", r.keys)
        } else {
            String::new()
        };
        let stopped = if untried > 0 && !last.answer.is_rate_limit() {
            format!(
                "; the gateway stops here too (it rotates only on rate limits), so {untried} more key(s) were not tried"
            )
        } else {
            String::new()
        };
        let status = match &last.answer {
            Answer::Http { status, .. } => Some(*status),
            Answer::Transport(_) => None,
        };
        if matches!(status, Some(401 | 403)) {
            let future = last
                .expires_at_ms
                .filter(|e| *e > now_ms)
                .map(|e| {
                    format!(
                        "; its recorded expiry {} lies in the future, so it was revoked or replaced",
                        iso(e)
                    )
                })
                .unwrap_or_default();
            let fix = if last.label.contains(':') {
                clawwatch_core::remedy::fix_for(p, CredType::from_word(&last.cred_type), None)
            } else {
                let var = last.label.split('[').next().unwrap_or(&last.label);
                format!(
                    "replace the key in {var} with a valid one from the {p} console, then restart the gateway"
                )
            };
            out.push(f(
                "probe-unauthorized",
                Level::Error,
                format!(
                    "{p} rejected {} ({}): {}{future}{tried}{stopped}",
                    last.label,
                    last.masked,
                    last.answer.describe()
                ),
                fix,
            ));
        } else if last.answer.is_rate_limit() {
            out.push(f(
                "probe-rate-limited",
                Level::Warning,
                format!(
                    "every {p} key is rate-limited; the last answer: {}{tried}",
                    last.answer.describe()
                ),
                format!(
                    "wait for the limit to reset, or add a key with its own quota for the gateway to rotate to (see `clawwatch status` for {p}'s rotation variables)"
                ),
            ));
        } else {
            let server_side = status.is_none_or(|s| s >= 500);
            out.push(f(
                "probe-failed",
                if server_side {
                    Level::Warning
                } else {
                    Level::Error
                },
                format!(
                    "{p} could not confirm {} ({}): {}{tried}{stopped}",
                    last.label,
                    last.masked,
                    last.answer.describe()
                ),
                format!(
                    "retry later; check [doctor] base_urls.{p} ({url}) and this host's network"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(label: &str, v: &str) -> ProbeKey {
        ProbeKey {
            label: label.into(),
            secret: Secret::new(v),
            bearer: false,
            cred_type: CredType::ApiKey,
            expires_at_ms: None,
        }
    }

    fn http(status: u16, body: &str) -> Answer {
        Answer::Http {
            status,
            body: body.into(),
            detail: detail_of(body),
        }
    }

    #[test]
    fn rate_limit_patterns_follow_openclaw() {
        for m in [
            "429 Too Many Requests",
            "rate_limit_error",
            "You exceeded your current quota",
            "RESOURCE_EXHAUSTED",
            "429 Resource has been exhausted",
            "quota exceeded for this key",
            "QUOTA_EXCEEDED",
            "request throttled",
            "TPM limit",
        ] {
            assert!(is_rate_limit_message(m), "{m}");
        }
        for m in [
            "invalid x-api-key",
            "Internal server error",
            "authentication_error",
            "stpm",
        ] {
            assert!(!is_rate_limit_message(m), "{m}");
        }
        assert!(http(429, "").is_rate_limit());
        assert!(!http(500, "{}").is_rate_limit());
        assert!(!http(200, "rate limit").is_rate_limit());
    }

    #[test]
    fn rotation_moves_on_only_after_rate_limits() {
        let keys = vec![key("A", "k-a"), key("B", "k-b"), key("C", "k-c")];
        let script = |answers: Vec<Answer>| {
            let mut it = answers.into_iter();
            let mut seen = vec![];
            let attempts = rotate(&keys, |k| {
                seen.push(k.label.clone());
                it.next().unwrap()
            });
            (seen, attempts)
        };
        let (seen, a) = script(vec![http(429, ""), http(200, "{}")]);
        assert_eq!(seen, ["A", "B"]);
        assert!(a.last().unwrap().answer.is_success());
        let (seen, _) = script(vec![http(401, "{}")]);
        assert_eq!(seen, ["A"], "a 401 stops");
        let (seen, _) = script(vec![http(429, ""), http(500, "oops")]);
        assert_eq!(seen, ["A", "B"], "a 500 stops");
        let (seen, a) = script(vec![
            http(400, r#"{"error":{"message":"Quota exceeded"}}"#),
            http(429, "a"),
            http(429, "last"),
        ]);
        assert_eq!(seen, ["A", "B", "C"]);
        assert_eq!(a.len(), 3);
        assert_eq!(
            a[2].answer,
            http(429, "last"),
            "the last error is the answer"
        );
    }

    #[test]
    fn secrets_are_scrubbed_from_answers() {
        let s = Secret::new("sk-ant-api03-FAKE-scrub-me-0000000000");
        let t = scrub("bad key sk-ant-api03-FAKE-scrub-me-0000000000 here", &s);
        assert!(!t.contains("scrub-me"), "{t}");
    }

    #[test]
    fn findings_name_what_happened() {
        let r = |attempts: Vec<Attempt>, keys| ProbeResult {
            agent: "main".into(),
            provider: "anthropic".into(),
            selected: Some("anthropic:manual".into()),
            routes: vec!["text anthropic/claude-sonnet-4-6".into()],
            url: Some("http://127.0.0.1:1/v1/models".into()),
            keys,
            attempts,
            note: None,
        };
        let at = |label: &str, answer, exp| Attempt {
            label: label.into(),
            masked: "sk…00".into(),
            cred_type: "token".into(),
            expires_at_ms: exp,
            answer,
        };
        let f = findings(
            &[r(
                vec![at(
                    "anthropic:manual",
                    http(
                        401,
                        r#"{"error":{"type":"authentication_error","message":"revoked"}}"#,
                    ),
                    Some(2_000),
                )],
                2,
            )],
            1_000,
        );
        assert_eq!(f[0].id, "probe-unauthorized");
        assert!(
            f[0].message.contains("lies in the future"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message.contains("1 more key(s) were not tried"),
            "{}",
            f[0].message
        );
        let f = findings(
            &[r(
                vec![at("A", http(429, ""), None), at("B", http(429, "x"), None)],
                2,
            )],
            0,
        );
        assert_eq!(
            (f[0].id, f[0].severity),
            ("probe-rate-limited", Level::Warning)
        );
        let f = findings(&[r(vec![at("A", http(500, ""), None)], 1)], 0);
        assert_eq!((f[0].id, f[0].severity), ("probe-failed", Level::Warning));
        let f = findings(
            &[r(
                vec![at("A", http(429, ""), None), at("B", http(200, ""), None)],
                2,
            )],
            0,
        );
        assert_eq!((f[0].id, f[0].severity), ("probe-ok", Level::Info));
    }
}
