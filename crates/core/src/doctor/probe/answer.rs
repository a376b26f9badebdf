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

/// Replace every occurrence of the secret, and of its encodings a server
/// might echo (base64 at any alignment, percent-encoded, hex), and
/// collapse whitespace (issue 17, finding 11).
fn scrub(text: &str, secret: &Secret) -> String {
    let s = secret.expose();
    let mut t = text.to_string();
    if s.len() >= 4 {
        t = t.replace(s, &secret.masked());
        for enc in encodings(s.as_bytes()) {
            t = t.replace(&enc, "<redacted>");
        }
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The forms of `secret` a careless server might echo. Base64 (standard
/// and URL-safe) is taken at the three byte alignments, keeping only the
/// characters that depend on the secret alone, so the secret is found
/// inside a longer encoded string too (`user:key` in basic auth).
fn encodings(secret: &[u8]) -> Vec<String> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    for k in 0..3usize {
        let mut bytes = vec![0u8; k];
        bytes.extend_from_slice(secret);
        let whole = bytes.len() / 3 * 3;
        for alphabet in [STD, URL] {
            let enc = base64(&bytes[..whole], alphabet);
            let core = enc.get([0, 2, 3][k]..).unwrap_or("");
            if core.len() >= 8 {
                out.push(core.to_string());
            }
        }
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let pct = |all: bool, upper: bool| -> String {
        secret
            .iter()
            .map(|&b| match (all || !unreserved(b), upper) {
                (false, _) => (b as char).to_string(),
                (true, true) => format!("%{b:02X}"),
                (true, false) => format!("%{b:02x}"),
            })
            .collect()
    };
    for (all, upper) in [(true, true), (true, false), (false, true), (false, false)] {
        out.push(pct(all, upper));
    }
    out.push(secret.iter().map(|b| format!("{b:02x}")).collect());
    out.push(secret.iter().map(|b| format!("{b:02X}")).collect());
    out.retain(|e| e.as_bytes() != secret);
    out
}

/// Base64 of whole 3-byte groups (no padding needed).
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len() / 3 * 4);
    for c in bytes.chunks_exact(3) {
        let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        for i in 0..4 {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
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
    fn finding_11_scrub_hides_encodings_of_the_key() {
        let key = Secret::new("sk-ant-api03-FAKE/key+0001");
        // base64("sk-ant-api03-FAKE/key+0001"), of "u:" + key (basic auth,
        // another alignment), URL-safe, percent-encoded and hex.
        for echoed in [
            "c2stYW50LWFwaTAzLUZBS0Uva2V5KzAwMDE=",
            "dTpzay1hbnQtYXBpMDMtRkFLRS9rZXkrMDAwMQ==",
            "c2stYW50LWFwaTAzLUZBS0Uva2V5KzAwMDE",
            "sk-ant-api03-FAKE%2Fkey%2B0001",
            "%73%6b%2d%61%6e%74%2d%61%70%69%30%33%2d%46%41%4b%45%2f%6b%65%79%2b%30%30%30%31",
            "736b2d616e742d61706930332d46414b452f6b65792b30303031",
        ] {
            let out = scrub(&format!("bad key {echoed} here"), &key);
            assert!(out.contains("<redacted>"), "{echoed} -> {out}");
            assert!(out.len() < 40, "most of it gone: {echoed} -> {out}");
        }
        assert_eq!(scrub("nothing  to\nhide", &key), "nothing to hide");
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
