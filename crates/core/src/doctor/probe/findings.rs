//! What the probe's answers mean: one finding per probe target.

use super::rotate::{Attempt, ProbeResult};
use crate::doctor::finding::{Finding, Level};
use crate::doctor::id::FindingId;
use crate::remedy::fix_for;
use crate::timefmt::iso;

pub fn findings(results: &[ProbeResult], now_ms: i64) -> Vec<Finding> {
    results
        .iter()
        .filter_map(|r| result_finding(r, now_ms))
        .collect()
}

fn result_finding(r: &ProbeResult, now_ms: i64) -> Option<Finding> {
    let p = &r.provider;
    let f = |id, sev, msg: String, fix: String| {
        Some(Finding::new(id, sev, msg, fix).agent(r.agent.clone()))
    };
    if r.url.is_none() {
        return f(
            FindingId::ProbeUnsupported,
            Level::Info,
            format!(
                "no live probe for provider {p} yet ({})",
                r.routes.join(", ")
            ),
            String::new(),
        );
    }
    if let Some(note) = &r.note
        && r.attempts.is_empty()
    {
        return f(
            FindingId::ProbeSkipped,
            Level::Info,
            format!("{p}: not probed: {note}"),
            String::new(),
        );
    }
    let last = r.attempts.last()?;
    if last.answer.is_success() {
        return f(
            FindingId::ProbeOk,
            Level::Info,
            accepted(r, last),
            String::new(),
        );
    }
    let (id, sev, msg, fix) = if matches!(last.answer.status(), Some(401 | 403)) {
        unauthorized(r, last, now_ms)
    } else if last.answer.is_rate_limit() {
        rate_limited(r, last)
    } else {
        failed(r, last)
    };
    f(id, sev, msg, fix)
}

type Parts = (FindingId, Level, String, String);

fn accepted(r: &ProbeResult, last: &Attempt) -> String {
    let mut msg = format!(
        "{} accepted {} ({}) for {}",
        r.provider,
        last.label,
        last.masked,
        r.routes.join(", ")
    );
    if r.attempts.len() > 1 {
        msg.push_str(&format!(
            " after rotating past {} rate-limited key(s), in the gateway's order: {}",
            r.attempts.len() - 1,
            trail(&r.attempts)
        ));
    }
    msg
}

fn unauthorized(r: &ProbeResult, last: &Attempt, now_ms: i64) -> Parts {
    let p = &r.provider;
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
    let fix = match last.label.holder() {
        None => fix_for(p, Some(last.cred_type), None),
        Some(var) => format!(
            "replace the key in {var} with a valid one from the {p} console, then restart the gateway"
        ),
    };
    let msg = format!(
        "{p} rejected {} ({}): {}{future}{}{}",
        last.label,
        last.masked,
        last.answer.describe(),
        tried(r),
        stopped(r, last)
    );
    (FindingId::ProbeUnauthorized, Level::Error, msg, fix)
}

fn rate_limited(r: &ProbeResult, last: &Attempt) -> Parts {
    let p = &r.provider;
    (
        FindingId::ProbeRateLimited,
        Level::Warning,
        format!(
            "every {p} key is rate-limited; the last answer: {}{}",
            last.answer.describe(),
            tried(r)
        ),
        format!(
            "wait for the limit to reset, or add a key with its own quota for the gateway to rotate to (see `clawwatch status` for {p}'s rotation variables)"
        ),
    )
}

fn failed(r: &ProbeResult, last: &Attempt) -> Parts {
    let p = &r.provider;
    let url = r.url.as_deref().unwrap_or("");
    let server_side = last.answer.status().is_none_or(|s| s >= 500);
    (
        FindingId::ProbeFailed,
        if server_side {
            Level::Warning
        } else {
            Level::Error
        },
        format!(
            "{p} could not confirm {} ({}): {}{}{}",
            last.label,
            last.masked,
            last.answer.describe(),
            tried(r),
            stopped(r, last)
        ),
        format!("retry later; check [doctor] base_urls.{p} ({url}) and this host's network"),
    )
}

/// Which keys were tried, when more than one was there.
fn tried(r: &ProbeResult) -> String {
    if r.attempts.len() > 1 {
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
    }
}

/// Why the remaining keys were not tried (the gateway rotates only on
/// rate limits).
fn stopped(r: &ProbeResult, last: &Attempt) -> String {
    let untried = r.keys.saturating_sub(r.attempts.len());
    if untried > 0 && !last.answer.is_rate_limit() {
        format!(
            "; the gateway stops here too (it rotates only on rate limits), so {untried} more key(s) were not tried"
        )
    } else {
        String::new()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::probe::answer::Answer;
    use crate::doctor::probe::answer::tests::http;
    use crate::doctor::probe::rotate::KeyLabel;
    use crate::model::CredType;

    fn result(attempts: Vec<Attempt>, keys: usize) -> ProbeResult {
        ProbeResult {
            agent: "main".into(),
            provider: "anthropic".into(),
            selected: Some("anthropic:manual".into()),
            routes: vec!["text anthropic/claude-sonnet-4-6".into()],
            url: Some("http://127.0.0.1:1/v1/models".into()),
            keys,
            attempts,
            note: None,
        }
    }

    fn at(label: KeyLabel, answer: Answer, exp: Option<i64>) -> Attempt {
        Attempt {
            label,
            masked: "sk…00".into(),
            cred_type: CredType::Token,
            expires_at_ms: exp,
            answer,
        }
    }

    fn var(v: &str) -> KeyLabel {
        KeyLabel::Var(v.into())
    }

    #[test]
    fn a_revoked_profile_names_its_expiry_and_the_untried_keys() {
        let f = findings(
            &[result(
                vec![at(
                    KeyLabel::Profile("anthropic:manual".into()),
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
        assert_eq!(f[0].id, FindingId::ProbeUnauthorized);
        assert_eq!(
            f[0].message,
            "anthropic rejected anthropic:manual (sk…00): HTTP 401 authentication_error: revoked; its recorded expiry 1970-01-01T00:00:02Z lies in the future, so it was revoked or replaced (key 1 of 2 in the gateway's order); the gateway stops here too (it rotates only on rate limits), so 1 more key(s) were not tried"
        );
        assert_eq!(f[0].fix, fix_for("anthropic", Some(CredType::Token), None));
    }

    #[test]
    fn a_rejected_list_entry_names_its_variable() {
        let label = KeyLabel::ListEntry {
            var: "OPENCLAW_LIVE_ANTHROPIC_KEYS".into(),
            index: 2,
        };
        let f = findings(&[result(vec![at(label, http(403, ""), None)], 1)], 0);
        assert_eq!(
            f[0].fix,
            "replace the key in OPENCLAW_LIVE_ANTHROPIC_KEYS with a valid one from the anthropic console, then restart the gateway"
        );
    }

    /// (attempts, keys) → (id, severity).
    #[test]
    fn answers_table() {
        let cases = [
            (
                vec![
                    at(var("A"), http(429, ""), None),
                    at(var("B"), http(429, "x"), None),
                ],
                2,
                FindingId::ProbeRateLimited,
                Level::Warning,
            ),
            (
                vec![at(var("A"), http(500, ""), None)],
                1,
                FindingId::ProbeFailed,
                Level::Warning,
            ),
            (
                vec![at(var("A"), http(404, ""), None)],
                1,
                FindingId::ProbeFailed,
                Level::Error,
            ),
            (
                vec![at(var("A"), Answer::Transport("timeout".into()), None)],
                1,
                FindingId::ProbeFailed,
                Level::Warning,
            ),
            (
                vec![
                    at(var("A"), http(429, ""), None),
                    at(var("B"), http(200, ""), None),
                ],
                2,
                FindingId::ProbeOk,
                Level::Info,
            ),
        ];
        for (attempts, keys, id, sev) in cases {
            let f = findings(&[result(attempts.clone(), keys)], 0);
            assert_eq!((f[0].id, f[0].severity), (id, sev), "{attempts:?}");
        }
    }

    #[test]
    fn unsupported_skipped_and_empty() {
        let mut r = result(vec![], 0);
        r.note = Some("a reference".into());
        assert_eq!(findings(&[r.clone()], 0)[0].id, FindingId::ProbeSkipped);
        r.url = None;
        assert_eq!(findings(&[r.clone()], 0)[0].id, FindingId::ProbeUnsupported);
        assert!(findings(&[result(vec![], 1)], 0).is_empty());
    }
}
