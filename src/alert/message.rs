//! What a notice says: subject, plain text, simple HTML, and the flat field
//! list webhooks, commands and Alertmanager use. Relative times are computed
//! when the notice is sent (a delayed notice still says "2 h ago" right).
//! Never a secret: only names, states, times, the problem line and the fix.

use chrono::{DateTime, Utc};
use clawwatch_core::alert::{Condition, NoticeKind, NoticeState, Notification, Severity};
use clawwatch_core::model::CredType;

/// Context of one delivery.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub host: String,
    pub now_ms: i64,
}

impl Ctx {
    pub fn new(host: impl Into<String>, now: DateTime<Utc>) -> Ctx {
        Ctx {
            host: host.into(),
            now_ms: now.timestamp_millis(),
        }
    }
}

/// A notice rendered for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// `[clawwatch] CRITICAL box: anthropic:manual (agent main) expired 2 h ago`
    /// (`box`: the host, `[alert] host`)
    pub subject: String,
    /// The subject without the `[clawwatch] SEVERITY` prefix (phones):
    /// `box: anthropic:manual (agent main) expired 2 h ago`.
    pub title: String,
    /// Two or three lines: what is wrong and the fix (phones, commands).
    pub short: String,
    pub text: String,
    pub html: String,
}

/// `45 min`, `2 h`, `3 d` (rounded; spaces as people write them).
pub fn words(ms: i64) -> String {
    let ms = ms.max(0);
    let minutes = (ms as f64 / 60_000.0).round() as i64;
    if minutes < 1 {
        return "less than a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} min");
    }
    let hours = (ms as f64 / 3_600_000.0).round() as i64;
    if hours < 48 {
        return format!("{hours} h");
    }
    format!("{} d", (ms as f64 / 86_400_000.0).round() as i64)
}

/// `2026-11-25 18:51:55 UTC`
pub fn utc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("@{ms}ms"))
}

fn relative(at: i64, now: i64) -> String {
    if at > now {
        format!("in {}", words(at - now))
    } else {
        format!("{} ago", words(now - at))
    }
}

/// The severity word of the subject.
pub fn label(n: &Notification) -> &'static str {
    match n.kind {
        NoticeKind::Resolved => "RESOLVED",
        NoticeKind::Test => "TEST",
        _ => match n.severity {
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        },
    }
}

/// Who the notice is about: `anthropic:manual (agent main)`.
pub fn who(n: &Notification) -> String {
    let k = &n.key;
    if n.kind == NoticeKind::Test {
        return "clawwatch".into();
    }
    if k.profile.is_empty() && k.provider.is_empty() {
        return if k.agent.is_empty() {
            "OpenClaw".into()
        } else {
            format!("agent {}", k.agent)
        };
    }
    if k.agent.is_empty() {
        k.subject_name().to_string()
    } else {
        format!("{} (agent {})", k.subject_name(), k.agent)
    }
}

/// What a resolved notice says.
fn resolved_headline(n: &Notification, now: i64) -> String {
    let exp = n.expires_at_ms;
    if let Some(id) = n.key.condition.doctor_id() {
        return format!("doctor no longer reports {id}");
    }
    if n.key.condition == Condition::Blind {
        return "can be checked again".into();
    }
    match (&n.state, exp) {
        (NoticeState::Ok, Some(at)) if at > now => {
            format!("OK again, expires {}", relative(at, now))
        }
        (NoticeState::Ok, _) => "OK again".into(),
        (_, Some(at)) if at > now => format!("renewed, now expires {}", relative(at, now)),
        (state, _) => format!("improved, now {state}"),
    }
}

/// What a firing (or repeated) notice says, by state.
fn firing_headline(n: &Notification, now: i64) -> String {
    let exp = n.expires_at_ms;
    let still = n.kind == NoticeKind::Repeat;
    match &n.state {
        NoticeState::Expired => match exp {
            Some(at) if still => format!("still expired since {}", utc(at)),
            Some(at) => format!("expired {}", relative(at, now)),
            None if still => format!("still expired since {}", utc(n.since_ms)),
            None => "has expired".into(),
        },
        NoticeState::Expiring => match exp {
            Some(at) if still => format!("still expiring, expires {}", relative(at, now)),
            Some(at) => format!("expires {}", relative(at, now)),
            None => "expires soon".into(),
        },
        NoticeState::Blind if still => format!(
            "still cannot be checked since {} (the monitor is blind)",
            utc(n.since_ms)
        ),
        NoticeState::Blind => "cannot be checked (the monitor is blind)".into(),
        NoticeState::Unreadable if still => format!(
            "still cannot be read since {} (the monitor is blind)",
            utc(n.since_ms)
        ),
        NoticeState::Unreadable => "cannot be read (the monitor is blind)".into(),
        NoticeState::Doctor => {
            let id = n.key.condition.doctor_id().unwrap_or_default();
            if still {
                format!("doctor still reports {id} since {}", utc(n.since_ms))
            } else {
                format!("doctor reports {id}")
            }
        }
        _ if n.key.condition == Condition::RuntimeUnavailable => {
            if still {
                format!("route still unavailable since {}", utc(n.since_ms))
            } else {
                "route unavailable".into()
            }
        }
        _ if still => format!("still missing since {}", utc(n.since_ms)),
        _ => "missing or unusable".into(),
    }
}

/// What happened, short: `expired 2 h ago`, `expires in 23 h`, …
pub fn headline(n: &Notification, ctx: &Ctx) -> String {
    match n.kind {
        NoticeKind::Test => format!("test notice from {}", ctx.host),
        NoticeKind::Resolved => resolved_headline(n, ctx.now_ms),
        _ => firing_headline(n, ctx.now_ms),
    }
}

/// The commands inside backticks of a fix line, in order.
pub fn commands(fix: &str) -> Vec<String> {
    fix.split('`')
        .skip(1)
        .step_by(2)
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

fn type_label(t: Option<CredType>, provider: &str) -> &'static str {
    match (t, provider) {
        (Some(CredType::Token), "anthropic") => "token (setup-token)",
        (Some(CredType::OAuth), _) => "oauth (subscription login)",
        (Some(t), _) => t.as_str(),
        (None, _) => "",
    }
}

/// (label, value) rows of the body, empty values left out.
fn rows(n: &Notification, ctx: &Ctx) -> Vec<(&'static str, String)> {
    let now = ctx.now_ms;
    let k = &n.key;
    let mut r = vec![
        ("Agent", k.agent.clone()),
        ("Provider", k.provider.clone()),
        (
            if k.condition.is_unreadable() {
                "File"
            } else {
                "Profile"
            },
            k.profile.clone(),
        ),
        (
            "Finding",
            k.condition.doctor_id().unwrap_or_default().to_string(),
        ),
        ("Type", type_label(n.cred_type, &k.provider).to_string()),
        (
            if n.state == NoticeState::Doctor || k.condition.doctor_id().is_some() {
                "File"
            } else {
                "Source"
            },
            n.source.to_string(),
        ),
        ("State", n.state.to_string()),
    ];
    if let Some(at) = n.expires_at_ms {
        r.push(("Expires", format!("{} ({})", utc(at), relative(at, now))));
    }
    if let Some(t) = n.threshold_ms {
        r.push(("Threshold", format!("within {}", words(t))));
    }
    if n.kind != NoticeKind::Test {
        r.push((
            "Since",
            format!("{} ({})", utc(n.since_ms), relative(n.since_ms, now)),
        ));
    }
    r.push(("Host", ctx.host.clone()));
    r.retain(|(_, v)| !v.is_empty());
    r
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// What both bodies of a notice show.
struct Body<'a> {
    label: &'static str,
    title: &'a str,
    message: &'a str,
    rows: Vec<(&'static str, String)>,
    fix_line: &'a str,
    cmds: Vec<String>,
    footer: String,
}

fn text_body(b: &Body<'_>) -> String {
    let mut text = format!("{} {}\n\n", b.label, b.title);
    if !b.message.is_empty() {
        text.push_str(&format!("{}\n\n", b.message));
    }
    for (k, v) in &b.rows {
        text.push_str(&format!("{:<10} {v}\n", format!("{k}:")));
    }
    if !b.fix_line.is_empty() {
        text.push_str(&format!("\n{}\n", b.fix_line));
    }
    if !b.cmds.is_empty() {
        text.push('\n');
        for c in &b.cmds {
            text.push_str(&format!("    {c}\n"));
        }
    }
    text.push_str(&format!("\n-- \n{}\n", b.footer));
    text
}

fn html_body(b: &Body<'_>) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n");
    html.push_str(&format!("<h2>{} {}</h2>\n", b.label, html_escape(b.title)));
    if !b.message.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", html_escape(b.message)));
    }
    html.push_str("<table>\n");
    for (k, v) in &b.rows {
        html.push_str(&format!(
            "<tr><th align=\"left\">{k}</th><td>{}</td></tr>\n",
            html_escape(v)
        ));
    }
    html.push_str("</table>\n");
    if !b.fix_line.is_empty() {
        html.push_str(&format!("<p><b>{}</b></p>\n", html_escape(b.fix_line)));
    }
    if !b.cmds.is_empty() {
        html.push_str(&format!("<pre>{}</pre>\n", html_escape(&b.cmds.join("\n"))));
    }
    html.push_str(&format!(
        "<p style=\"color:#777\">{}</p>\n</body></html>\n",
        html_escape(&b.footer)
    ));
    html
}

/// Render a notice.
pub fn render(n: &Notification, ctx: &Ctx) -> Rendered {
    let title = format!("{}: {} {}", ctx.host, who(n), headline(n, ctx));
    let subject = format!("[clawwatch] {} {title}", label(n));
    let resolved = n.kind == NoticeKind::Resolved;
    let fix_line = if resolved {
        "Nothing to do: the problem is gone.".to_string()
    } else if n.fix.is_empty() {
        String::new()
    } else {
        format!("Fix: {}", n.fix)
    };
    let short = [n.message.as_str(), fix_line.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let body = Body {
        label: label(n),
        title: &title,
        message: &n.message,
        rows: rows(n, ctx),
        fix_line: &fix_line,
        cmds: if resolved { vec![] } else { commands(&n.fix) },
        footer: format!(
            "clawwatch {} on {} · notice {} ({}) · alert {}",
            env!("CARGO_PKG_VERSION"),
            ctx.host,
            n.id,
            n.kind.as_str(),
            n.key.slug()
        ),
    };
    Rendered {
        text: text_body(&body),
        html: html_body(&body),
        subject,
        title,
        short,
    }
}

/// The flat fields of a notice (webhook JSON, command placeholders and
/// `CLAWWATCH_*` env).
pub fn fields(n: &Notification, ctx: &Ctx) -> Vec<(&'static str, String)> {
    let r = render(n, ctx);
    vec![
        ("id", n.id.to_string()),
        ("key", n.key.slug()),
        ("status", n.kind.status().to_string()),
        ("kind", n.kind.as_str().to_string()),
        ("severity", n.severity.as_str().to_string()),
        ("agent", n.key.agent.clone()),
        ("provider", n.key.provider.clone()),
        ("profile", n.key.profile.clone()),
        ("condition", n.key.condition.to_string()),
        ("state", n.state.to_string()),
        (
            "type",
            n.cred_type
                .map(CredType::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        ("source", n.source.to_string()),
        (
            "expires_at",
            n.expires_at_ms
                .map(clawwatch_core::timefmt::iso)
                .unwrap_or_default(),
        ),
        ("since", clawwatch_core::timefmt::iso(n.since_ms)),
        ("title", r.subject.clone()),
        ("message", r.short.clone()),
        ("remediation", n.fix.clone()),
        (
            clawwatch_core::alert::vocabulary::FIX_ANNOTATION,
            n.fix.clone(),
        ),
        ("host", ctx.host.clone()),
    ]
}

/// The provider's page to renew a credential (ntfy's Click), if known.
pub fn reauth_url(provider: &str, cred_type: Option<CredType>) -> Option<&'static str> {
    let api_key = cred_type == Some(CredType::ApiKey);
    Some(match (provider, api_key) {
        ("anthropic", true) => "https://console.anthropic.com/settings/keys",
        ("anthropic", false) => "https://claude.ai/settings",
        ("openai", true) => "https://platform.openai.com/api-keys",
        ("openai" | "openai-codex", _) => "https://chatgpt.com/",
        ("google" | "gemini", _) => "https://aistudio.google.com/app/apikey",
        ("openrouter", _) => "https://openrouter.ai/settings/keys",
        ("xai", _) => "https://console.x.ai/",
        ("mistral", _) => "https://console.mistral.ai/api-keys",
        ("groq", _) => "https://console.groq.com/keys",
        ("deepseek", _) => "https://platform.deepseek.com/api_keys",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawwatch_core::alert::{AlertKey, NoticeSource};
    use clawwatch_core::model::CredSource;

    const NOW: i64 = 1_795_639_915_000;
    const H: i64 = 3_600_000;

    fn notice(kind: NoticeKind, state: NoticeState, expires: Option<i64>) -> Notification {
        Notification {
            id: 3,
            key: AlertKey {
                agent: "main".into(),
                provider: "anthropic".into(),
                profile: "anthropic:manual".into(),
                condition: Condition::Expiry,
            },
            kind,
            severity: Severity::Critical,
            previous_severity: None,
            state,
            cred_type: Some(CredType::Token),
            source: NoticeSource::Credential(CredSource::StateDb),
            expires_at_ms: expires,
            threshold_ms: None,
            since_ms: NOW - H,
            planned_at_ms: NOW,
            message: "anthropic:manual expired at 2026-11-25T18:51:55Z".into(),
            fix: "run `claude setup-token`, then `openclaw models auth paste-token --provider anthropic`".into(),
        }
    }

    #[test]
    fn subject_as_in_the_issue() {
        let ctx = Ctx {
            host: "box".into(),
            now_ms: NOW,
        };
        let r = render(
            &notice(NoticeKind::Firing, NoticeState::Expired, Some(NOW - 2 * H)),
            &ctx,
        );
        assert_eq!(
            r.subject,
            "[clawwatch] CRITICAL box: anthropic:manual (agent main) expired 2 h ago"
        );
        assert!(r.text.contains("    claude setup-token\n"), "{}", r.text);
        assert!(
            r.text
                .contains("    openclaw models auth paste-token --provider anthropic\n")
        );
        assert!(
            r.text
                .contains("Expires:   2026-11-25 18:51:55 UTC (2 h ago)")
        );
        assert!(r.text.contains("Host:      box"));
        assert!(r.html.contains("<pre>claude setup-token\n"));
        let r = render(
            &notice(NoticeKind::Repeat, NoticeState::Expired, Some(NOW - 2 * H)),
            &ctx,
        );
        assert!(
            r.subject
                .ends_with("still expired since 2026-11-25 18:51:55 UTC"),
            "{}",
            r.subject
        );
        let r = render(
            &notice(
                NoticeKind::Resolved,
                NoticeState::Ok,
                Some(NOW + 30 * 24 * H),
            ),
            &ctx,
        );
        assert_eq!(
            r.subject,
            "[clawwatch] RESOLVED box: anthropic:manual (agent main) OK again, expires in 30 d"
        );
        assert!(!r.text.contains("Fix:"));
    }

    #[test]
    fn words_round() {
        assert_eq!(words(2 * H), "2 h");
        assert_eq!(words(30 * 60_000), "30 min");
        assert_eq!(words(3 * 24 * H), "3 d");
        assert_eq!(words(10), "less than a minute");
        assert_eq!(
            commands("run `a b`, then `c`"),
            vec!["a b".to_string(), "c".to_string()]
        );
    }
}
