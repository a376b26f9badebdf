//! Email alerts against a real SMTP server (aiosmtpd) started by each test
//! on a free loopback port: one mail per problem, one resolved mail, the
//! fix command and no secret in it, STARTTLS with a private CA, and faults
//! (server down, 4xx, 5xx).

use crate::common;
use crate::support;

use clawwatch::alert::Alerter;
use clawwatch::alert::alerter::broken_channels;
use clawwatch::config::HeartbeatConfig;
use clawwatch::config::alert::{AlertConfig, EmailConfig, SmtpTls};
use common::{H, NOW_MS};
use std::time::Duration;
use support::*;

const M: i64 = 60_000;
const D: i64 = 24 * H;

fn email(port: u16) -> EmailConfig {
    EmailConfig {
        name: "ops-mail".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        tls: SmtpTls::None,
        from: "clawwatch@example.org".into(),
        to: vec!["ops@example.org".into()],
        timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn alerter(state_dir: &std::path::Path, mail: EmailConfig) -> Alerter {
    let cfg = AlertConfig {
        state_file: state_dir.join("alert-state.json").display().to_string(),
        email: vec![mail],
        ..Default::default()
    };
    let mut a = Alerter::new(
        &cfg,
        &HeartbeatConfig::default(),
        &env_home(state_dir),
        None,
    )
    .expect("alerter");
    a.set_host("testhost");
    a
}

#[test]
#[cfg_attr(not(have_aiosmtpd), ignore = "needs aiosmtpd")]
fn expired_token_one_mail_over_two_cycles_then_one_resolved_mail() {
    if !have_aiosmtpd() {
        return;
    }
    let smtp = Smtp::start(SmtpOptions::default());
    let state = tempfile::tempdir().unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - 2 * H);
    let mut a = alerter(state.path(), email(smtp.port));

    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed), (1, 0), "{o:?}");
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.failed), (0, 0), "{o:?}");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "exactly one mail over two cycles");
    let m = &mails[0];
    assert_eq!(
        m.subject(),
        "[clawwatch] CRITICAL testhost: anthropic:manual (agent main) expired 2 h ago"
    );
    let text = m.text();
    for want in [
        "Agent:     main",
        "Provider:  anthropic",
        "Profile:   anthropic:manual",
        "Type:      token (setup-token)",
        "State:     expired",
        "Expires:   2026-11-25 18:51:55 UTC (2 h ago)",
        "Host:      testhost",
        "    claude setup-token\n",
        "    openclaw models auth paste-token --provider anthropic\n",
    ] {
        assert!(text.contains(want), "mail lacks {want:?}:\n{text}");
    }
    assert!(m.html().contains("<pre>claude setup-token"), "{}", m.html());
    assert_eq!(m.meta["rcpt_tos"][0], "ops@example.org");

    // Fixed: one resolved mail, then nothing.
    set_token(&home, "anthropic:manual", NOW_MS + 365 * D);
    let o = a.cycle(&report(&home, NOW_MS + 10 * M), at(NOW_MS + 10 * M));
    assert_eq!(o.delivered, 1, "{o:?}");
    let o = a.cycle(&report(&home, NOW_MS + 15 * M), at(NOW_MS + 15 * M));
    assert_eq!(o.delivered, 0, "{o:?}");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1]
            .subject()
            .starts_with("[clawwatch] RESOLVED testhost: anthropic:manual (agent main) OK again"),
        "{}",
        mails[1].subject()
    );
    for m in &mails {
        for part in [m.raw.clone(), m.text(), m.html(), m.subject().to_string()] {
            assert!(!part.contains(SECRET_TOKEN), "the token leaked");
            assert!(!part.contains("FAKE-SECRET"), "a token fragment leaked");
        }
    }
}

#[test]
#[cfg_attr(
    not(all(have_aiosmtpd, have_openssl)),
    ignore = "needs aiosmtpd and openssl"
)]
fn starttls_with_a_private_ca_and_password_file() {
    if !have_aiosmtpd() || !have_openssl() {
        return;
    }
    let ca = test_ca();
    let smtp = Smtp::start(SmtpOptions {
        tls: Some((ca.cert.clone(), ca.key.clone())),
        auth: Some(("alerts".into(), "FAKE-smtp-pass-word".into())),
        ..Default::default()
    });
    let state = tempfile::tempdir().unwrap();
    let pw = state.path().join("smtp-password");
    std::fs::write(&pw, "FAKE-smtp-pass-word\n").unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    let cfg = |ca_file: &str| EmailConfig {
        tls: SmtpTls::Starttls,
        username: "alerts".into(),
        password_file: pw.display().to_string(),
        ca_file: ca_file.into(),
        ..email(smtp.port)
    };

    // Without the CA the certificate is not trusted: nothing is sent.
    let untrusted = tempfile::tempdir().unwrap();
    let mut a = alerter(untrusted.path(), cfg(""));
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed), (0, 1), "{o:?}");
    assert!(smtp.messages().is_empty());

    // With ca_file: STARTTLS, AUTH, delivered.
    let mut a = alerter(state.path(), cfg(&ca.ca.display().to_string()));
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed), (1, 0), "{o:?}");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].meta["tls"], true);
    assert_eq!(mails[0].meta["auth"], true);
    assert_eq!(mails[0].meta["login"], "alerts");
    assert!(!mails[0].raw.contains("FAKE-smtp-pass-word"));
}

#[test]
fn the_password_can_come_from_the_environment() {
    let state = tempfile::tempdir().unwrap();
    let mut env = env_home(state.path());
    let cfg = AlertConfig {
        state_file: state.path().join("s.json").display().to_string(),
        email: vec![EmailConfig {
            username: "alerts".into(),
            ..email(2525)
        }],
        ..Default::default()
    };
    // A channel that cannot be built is skipped, not fatal (issue 17,
    // finding 4); `config check` names it.
    let e = broken_channels(&cfg, &env);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].1.contains("CLAWWATCH_SMTP_PASSWORD"), "{e:?}");
    env.insert("CLAWWATCH_SMTP_PASSWORD".into(), "FAKE-pw".into());
    assert!(broken_channels(&cfg, &env).is_empty());
    assert!(Alerter::new(&cfg, &HeartbeatConfig::default(), &env, None).is_ok());
    // Plain text to a remote host is refused.
    let remote = AlertConfig {
        email: vec![EmailConfig {
            smtp_host: "smtp.example.org".into(),
            ..email(25)
        }],
        ..cfg
    };
    let e = broken_channels(&remote, &env);
    assert!(e[0].1.contains("loopback"), "{e:?}");
}

#[test]
#[cfg_attr(not(have_aiosmtpd), ignore = "needs aiosmtpd")]
fn smtp_down_for_a_cycle_then_up_delivers_next_cycle_once() {
    if !have_aiosmtpd() {
        return;
    }
    let port = free_port();
    let state = tempfile::tempdir().unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    let mut a = alerter(state.path(), email(port));

    // Nothing listens: the notice waits.
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 1, 1), "{o:?}");

    let smtp = Smtp::start(SmtpOptions {
        port: Some(port),
        ..Default::default()
    });
    // Still backing off 30 s later (first retry after 1 min).
    let o = a.cycle(&report(&home, NOW_MS + M / 2), at(NOW_MS + M / 2));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 0, 1), "{o:?}");
    // The next cycle delivers it, once.
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.failed, o.pending), (1, 0, 0), "{o:?}");
    let o = a.cycle(&report(&home, NOW_MS + 10 * M), at(NOW_MS + 10 * M));
    assert_eq!(o.delivered, 0, "{o:?}");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    // Rendered when sent: the relative time is right.
    assert!(
        mails[0].subject().ends_with("expired 1 h ago"),
        "{}",
        mails[0].subject()
    );
}

#[test]
#[cfg_attr(not(have_aiosmtpd), ignore = "needs aiosmtpd")]
fn smtp_4xx_is_retried_and_5xx_is_dropped() {
    if !have_aiosmtpd() {
        return;
    }
    let smtp = Smtp::start(SmtpOptions::default());
    let home = home_with_token("anthropic:manual", NOW_MS - H);

    // 451: transient, retried on a later cycle, delivered once.
    let state = tempfile::tempdir().unwrap();
    let mut a = alerter(state.path(), email(smtp.port));
    smtp.fail_with(Some("451 4.3.0 try again later"));
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 1, 1), "{o:?}");
    assert!(o.errors.iter().any(|e| e.contains("451")), "{:?}", o.errors);
    smtp.fail_with(None);
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.pending), (1, 0), "{o:?}");
    assert_eq!(smtp.messages().len(), 1);

    // 550: permanent, dropped for this channel, not retried.
    let state = tempfile::tempdir().unwrap();
    let mut a = alerter(state.path(), email(smtp.port));
    smtp.fail_with(Some("550 5.7.1 relaying denied"));
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 1, 0), "{o:?}");
    assert!(o.errors.iter().any(|e| e.contains("550")), "{:?}", o.errors);
    smtp.fail_with(None);
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.failed), (0, 0), "{o:?}");
    assert_eq!(smtp.messages().len(), 1, "the 550 notice is not retried");
}
