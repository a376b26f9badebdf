//! A provider's answer to one probe request, and OpenClaw's rule for
//! which answers are rate limits. Answers never hold the key: the shell
//! builds them with [`Answer::http`] and [`Answer::transport`], which scrub
//! it from the text first.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// A provider's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// An HTTP answer from its status and raw body, with `key` scrubbed out.
    pub fn http(status: u16, raw_body: &str, key: &Secret) -> Self {
        let body = shorten(&scrub(raw_body, key), 4000);
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

    /// No HTTP answer (connection, TLS, timeout): the transport's words,
    /// with `key` scrubbed out.
    pub fn transport(error: &str, key: &Secret) -> Self {
        Answer::Transport(shorten(&scrub(error, key), 300))
    }

    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Http { status, .. } if (200..300).contains(status))
    }

    /// The gateway's rule (`isApiKeyRateLimitError` on the error message,
    /// which starts with the HTTP status; a transport error's message is
    /// classified the same way, as the gateway does).
    pub fn is_rate_limit(&self) -> bool {
        match self {
            Answer::Http { status, body, .. } => {
                !self.is_success() && (*status == 429 || is_rate_limit_message(body))
            }
            Answer::Transport(m) => is_rate_limit_message(m),
        }
    }

    /// The HTTP status, when there was an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Answer::Http { status, .. } => Some(*status),
            Answer::Transport(_) => None,
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

/// OpenClaw's rate-limit message patterns (`ERROR_PATTERNS.rateLimit`),
/// applied to what a provider (or the transport) answered.
pub fn is_rate_limit_message(raw: &str) -> bool {
    let m = raw.to_lowercase();
    let has = |s: &str| m.contains(s);
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
        || has_word(&m, "tpm")
        || has("tokens per minute")
        || has("tokens per day")
}

/// `w` occurs in `m` as a whole word (not inside letters, digits or `_`).
fn has_word(m: &str, w: &str) -> bool {
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    m.match_indices(w).any(|(i, _)| {
        let before = m[..i].chars().next_back();
        let after = m[i + w.len()..].chars().next();
        !before.is_some_and(word_char) && !after.is_some_and(word_char)
    })
}

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An HTTP answer as the shell builds it (no key in the body).
    pub(crate) fn http(status: u16, body: &str) -> Answer {
        Answer::http(status, body, &Secret::new("unused-key-0000"))
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
    fn secrets_are_scrubbed_from_answers() {
        let s = Secret::new("sk-ant-api03-FAKE-scrub-me-0000000000");
        let t = scrub("bad key sk-ant-api03-FAKE-scrub-me-0000000000 here", &s);
        assert!(!t.contains("scrub-me"), "{t}");
        let a = Answer::http(
            401,
            r#"{"error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-api03-FAKE-scrub-me-0000000000"}}"#,
            &s,
        );
        assert!(!format!("{a:?}").contains("scrub-me"), "{a:?}");
        assert!(
            a.describe()
                .starts_with("HTTP 401 authentication_error: invalid x-api-key")
        );
        let a = Answer::transport("connect sk-ant-api03-FAKE-scrub-me-0000000000", &s);
        assert!(!a.describe().contains("scrub-me"));
    }

    #[test]
    fn details_come_from_json_error_bodies() {
        assert_eq!(http(200, "{}").describe(), "HTTP 200");
        assert_eq!(
            http(
                403,
                r#"{"error":{"status":"PERMISSION_DENIED","message":"no"}}"#
            )
            .describe(),
            "HTTP 403 PERMISSION_DENIED: no"
        );
        assert_eq!(http(500, r#"{"error":"boom"}"#).describe(), "HTTP 500 boom");
        assert_eq!(
            http(502, "bad  gateway\n").describe(),
            "HTTP 502 bad gateway"
        );
    }
}
