//! Webhook, ntfy, command and heartbeat against local servers and a stub
//! command; 4xx/5xx replies; one failing channel never blocks another;
//! metrics; `clawwatch alert test`.

use crate::common;
use crate::support;

use clawwatch::alert::{AlertMetrics, Alerter};
use clawwatch::config::HeartbeatConfig;
use clawwatch::config::alert::{AlertConfig, CommandConfig, NtfyConfig, WebhookConfig};
use common::{H, NOW_MS};
use std::path::Path;
use support::*;

const M: i64 = 60_000;
const D: i64 = 24 * H;

fn webhook(name: &str, url: &str) -> WebhookConfig {
    WebhookConfig {
        name: name.into(),
        url: url.into(),
        ..Default::default()
    }
}

fn alerter_with(dir: &Path, cfg: AlertConfig, metrics: Option<AlertMetrics>) -> Alerter {
    let cfg = AlertConfig {
        state_file: dir.join("alert-state.json").display().to_string(),
        ..cfg
    };
    let mut a =
        Alerter::new(&cfg, &HeartbeatConfig::default(), &env_home(dir), metrics).expect("alerter");
    a.set_host("testhost");
    a
}

#[test]
fn webhook_posts_json_then_resolved() {
    let sink = HttpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("hook-token");
    std::fs::write(&token, "FAKE-hook-bearer\n").unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - 2 * H);
    let mut a = alerter_with(
        dir.path(),
        AlertConfig {
            webhook: vec![WebhookConfig {
                token_file: token.display().to_string(),
                ..webhook("hook", &format!("{}/hook", sink.url))
            }],
            ..Default::default()
        },
        None,
    );
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!(o.delivered, 1, "{o:?}");
    a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    let reqs = sink.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), Some("Bearer FAKE-hook-bearer"));
    let j = r.json();
    assert_eq!(j["status"], "firing");
    assert_eq!(j["severity"], "critical");
    assert_eq!(j["agent"], "main");
    assert_eq!(j["provider"], "anthropic");
    assert_eq!(j["profile"], "anthropic:manual");
    assert_eq!(j["state"], "expired");
    assert_eq!(j["expires_at"], "2026-11-25T18:51:55Z");
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .contains("anthropic:manual expired")
    );
    assert!(
        j["remediation"]
            .as_str()
            .unwrap()
            .contains("`claude setup-token`")
    );
    assert!(!r.text().contains("FAKE-SECRET"));

    set_token(&home, "anthropic:manual", NOW_MS + 365 * D);
    a.cycle(&report(&home, NOW_MS + 10 * M), at(NOW_MS + 10 * M));
    let reqs = sink.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].json()["status"], "resolved");
    assert_eq!(reqs[1].json()["state"], "ok");
}

#[test]
fn webhook_5xx_and_429_are_retried_4xx_dropped() {
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    for (status, retried) in [
        (500, true),
        (503, true),
        (429, true),
        (400, false),
        (404, false),
    ] {
        let sink = HttpSink::start();
        let dir = tempfile::tempdir().unwrap();
        let mut a = alerter_with(
            dir.path(),
            AlertConfig {
                webhook: vec![webhook("hook", &sink.url)],
                ..Default::default()
            },
            None,
        );
        sink.respond_with(&[status]);
        let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
        assert_eq!((o.delivered, o.failed), (0, 1), "{status}: {o:?}");
        assert_eq!(o.pending, usize::from(retried), "{status}: {o:?}");
        assert!(
            o.errors
                .iter()
                .any(|e| e.contains(&format!("HTTP {status}"))),
            "{:?}",
            o.errors
        );
        let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
        assert_eq!(o.delivered, usize::from(retried), "{status}: {o:?}");
        a.cycle(&report(&home, NOW_MS + 10 * M), at(NOW_MS + 10 * M));
        let accepted = sink.requests().len() - 1;
        assert_eq!(
            accepted,
            usize::from(retried),
            "{status}: accepted once or never"
        );
    }
}

#[test]
fn one_failing_channel_never_blocks_another() {
    let good = HttpSink::start();
    let bad = HttpSink::start();
    bad.respond_with(&[500, 500]);
    let dir = tempfile::tempdir().unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    let mut a = alerter_with(
        dir.path(),
        AlertConfig {
            webhook: vec![webhook("bad", &bad.url), webhook("good", &good.url)],
            command: vec![CommandConfig {
                name: "missing-program".into(),
                argv: vec!["/nonexistent/clawwatch-notify".into()],
                ..Default::default()
            }],
            ..Default::default()
        },
        None,
    );
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed), (1, 2), "{o:?}");
    assert_eq!(good.requests().len(), 1);
    // bad: backing off (1 min), then 500 again (2 min), then accepted.
    let o = a.cycle(&report(&home, NOW_MS + 2 * M), at(NOW_MS + 2 * M));
    assert_eq!((o.delivered, o.failed), (0, 1), "{o:?}");
    let o = a.cycle(&report(&home, NOW_MS + 3 * M), at(NOW_MS + 3 * M));
    assert_eq!((o.delivered, o.failed), (0, 0), "still backing off: {o:?}");
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.failed), (1, 0), "{o:?}");
    assert_eq!(good.requests().len(), 1, "the good channel got it once");
    assert_eq!(bad.requests().len(), 3);
}

#[test]
fn ntfy_title_priority_tags_click_and_a_secret_topic() {
    let sink = HttpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let topic = dir.path().join("topic");
    std::fs::write(&topic, "cw-topic-FAKE-s3cr3t\n").unwrap();
    let tok = dir.path().join("ntfy-token");
    std::fs::write(&tok, "tk_FAKEntfytoken\n").unwrap();
    let ntfy = |url: &str| NtfyConfig {
        name: "phone".into(),
        url: url.into(),
        topic_file: topic.display().to_string(),
        token_file: tok.display().to_string(),
        ..Default::default()
    };
    let home = home_with_token("anthropic:manual", NOW_MS - 2 * H);
    let mut a = alerter_with(
        dir.path(),
        AlertConfig {
            ntfy: vec![ntfy(&sink.url)],
            ..Default::default()
        },
        None,
    );
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!(o.delivered, 1, "{o:?}");
    let r = &sink.requests()[0];
    assert_eq!(r.path, "/cw-topic-FAKE-s3cr3t");
    assert_eq!(
        r.header("title"),
        Some("[clawwatch] CRITICAL testhost: anthropic:manual (agent main) expired 2 h ago")
    );
    assert_eq!(r.header("priority"), Some("urgent"));
    assert_eq!(r.header("tags"), Some("rotating_light,clawwatch"));
    assert_eq!(r.header("click"), Some("https://claude.ai/settings"));
    assert_eq!(r.header("authorization"), Some("Bearer tk_FAKEntfytoken"));
    assert!(r.text().contains("claude setup-token"), "{}", r.text());

    // A server that is down: the error names neither topic nor token.
    let dir2 = tempfile::tempdir().unwrap();
    let mut down = alerter_with(
        dir2.path(),
        AlertConfig {
            ntfy: vec![ntfy(&format!("http://127.0.0.1:{}", free_port()))],
            ..Default::default()
        },
        None,
    );
    let o = down.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!(o.failed, 1);
    let all = format!("{:?}", o.errors);
    assert!(
        !all.contains("s3cr3t") && !all.contains("FAKEntfytoken"),
        "{all}"
    );
    let state = std::fs::read_to_string(dir2.path().join("alert-state.json")).unwrap();
    assert!(
        !state.contains("s3cr3t"),
        "the topic leaked into the state file"
    );
}

fn stub(dir: &Path, exit: i32) -> std::path::PathBuf {
    let p = dir.join("notify-stub");
    let log = dir.join("calls");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nn=$(ls {log} 2>/dev/null | wc -l)\nd={log}/$n\nmkdir -p \"$d\"\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$d/argv\"; done\nenv | grep '^CLAWWATCH_' | sort > \"$d/env\"\nexit {exit}\n",
            log = log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    p
}

fn calls(dir: &Path) -> Vec<(Vec<String>, String)> {
    let mut out = vec![];
    for i in 0.. {
        let d = dir.join("calls").join(i.to_string());
        if !d.exists() {
            break;
        }
        let argv = std::fs::read_to_string(d.join("argv")).unwrap_or_default();
        out.push((
            argv.lines().map(str::to_string).collect(),
            std::fs::read_to_string(d.join("env")).unwrap_or_default(),
        ));
    }
    out
}

#[test]
fn command_gets_argv_without_a_shell_and_fields_in_env() {
    let dir = tempfile::tempdir().unwrap();
    let prog = stub(dir.path(), 0);
    // A profile id a shell would expand.
    let home = home_with_token("anthropic:$(touch PWNED)", NOW_MS - H);
    let mut a = alerter_with(
        dir.path(),
        AlertConfig {
            command: vec![CommandConfig {
                name: "termux".into(),
                argv: vec![
                    prog.display().to_string(),
                    "--id".into(),
                    "{key}".into(),
                    "--title".into(),
                    "{title}".into(),
                    "--content".into(),
                    "{message}".into(),
                    "--severity={severity}".into(),
                ],
                ..Default::default()
            }],
            ..Default::default()
        },
        None,
    );
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!(o.delivered, 1, "{o:?}");
    let c = calls(dir.path());
    assert_eq!(c.len(), 1);
    let (argv, env) = &c[0];
    assert_eq!(argv[0], "--id");
    assert_eq!(
        argv[1],
        "clawwatch-main-anthropic-anthropic-touch-pwned-expiry"
    );
    assert_eq!(argv[2], "--title");
    assert_eq!(
        argv[3],
        "[clawwatch] CRITICAL testhost: anthropic:$(touch PWNED) (agent main) expired 1 h ago"
    );
    assert_eq!(argv[4], "--content");
    assert!(
        argv[5].starts_with("anthropic:$(touch PWNED) expired at"),
        "{argv:?}"
    );
    assert_eq!(argv.last().unwrap(), "--severity=critical");
    assert!(!Path::new("PWNED").exists() && !dir.path().join("PWNED").exists());
    for want in [
        "CLAWWATCH_AGENT=main",
        "CLAWWATCH_PROFILE=anthropic:$(touch PWNED)",
        "CLAWWATCH_PROVIDER=anthropic",
        "CLAWWATCH_SEVERITY=critical",
        "CLAWWATCH_STATE=expired",
        "CLAWWATCH_STATUS=firing",
        "CLAWWATCH_KEY=clawwatch-main-anthropic-anthropic-touch-pwned-expiry",
    ] {
        assert!(env.lines().any(|l| l == want), "env lacks {want}:\n{env}");
    }
    assert!(env.contains("CLAWWATCH_REMEDIATION=run `claude setup-token`"));
    assert!(!env.contains("FAKE-SECRET"));

    // Fixed: the same --id gets the resolved notice (replaces the phone's).
    set_token(&home, "anthropic:$(touch PWNED)", NOW_MS + 365 * D);
    a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    let c = calls(dir.path());
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].0[1], argv[1]);
    assert!(c[1].1.contains("CLAWWATCH_STATUS=resolved"));
}

#[test]
fn a_failing_command_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let failing = stub(dir.path(), 3);
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    let cfg = |prog: &Path| AlertConfig {
        command: vec![CommandConfig {
            name: "cmd".into(),
            argv: vec![prog.display().to_string(), "{title}".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut a = alerter_with(dir.path(), cfg(&failing), None);
    let o = a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    assert_eq!((o.delivered, o.failed, o.pending), (0, 1, 1), "{o:?}");
    assert!(o.errors[0].contains("exit status: 3"), "{:?}", o.errors);
    // The program is fixed; the same state file, the next cycle.
    let ok = stub(dir.path(), 0);
    assert_eq!(ok, failing);
    let mut a = alerter_with(dir.path(), cfg(&ok), None);
    let o = a.cycle(&report(&home, NOW_MS + 5 * M), at(NOW_MS + 5 * M));
    assert_eq!((o.delivered, o.pending), (1, 0), "{o:?}");
    assert_eq!(calls(dir.path()).len(), 2);
}

#[test]
fn heartbeat_gets_the_exit_code() {
    let sink = HttpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let a = Alerter::new(
        &AlertConfig {
            state_file: dir.path().join("s.json").display().to_string(),
            ..Default::default()
        },
        &HeartbeatConfig {
            url: format!("{}/ping/abc-123/", sink.url),
        },
        &env_home(dir.path()),
        None,
    )
    .unwrap();
    a.heartbeat(0);
    a.heartbeat(2);
    let paths: Vec<String> = sink
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(paths, ["GET /ping/abc-123/0", "GET /ping/abc-123/2"]);
    // No URL: nothing, no error.
    let quiet = Alerter::new(
        &AlertConfig::default(),
        &HeartbeatConfig::default(),
        &env_home(dir.path()),
        None,
    )
    .unwrap();
    quiet.heartbeat(1);
    assert!(
        clawwatch::alert::heartbeat::ping(
            &format!("http://127.0.0.1:{}", free_port()),
            0,
            std::time::Duration::from_secs(2)
        )
        .is_err()
    );
}

#[test]
fn metrics_count_sent_and_failed_per_channel() {
    let good = HttpSink::start();
    let bad = HttpSink::start();
    bad.respond_with(&[502]);
    let reg = prometheus::Registry::new();
    let m = AlertMetrics::new(&reg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = home_with_token("anthropic:manual", NOW_MS - H);
    let mut a = alerter_with(
        dir.path(),
        AlertConfig {
            webhook: vec![webhook("good", &good.url), webhook("bad", &bad.url)],
            ..Default::default()
        },
        Some(m),
    );
    a.cycle(&report(&home, NOW_MS), at(NOW_MS));
    let mut buf = vec![];
    use prometheus::Encoder;
    prometheus::TextEncoder::new()
        .encode(&reg.gather(), &mut buf)
        .unwrap();
    let text = String::from_utf8(buf).unwrap();
    for want in [
        "clawwatch_alerts_sent_total{channel=\"good\",severity=\"critical\"} 1",
        "clawwatch_alerts_sent_total{channel=\"bad\",severity=\"critical\"} 0",
        "clawwatch_alert_failures_total{channel=\"bad\"} 1",
        "clawwatch_alert_failures_total{channel=\"good\"} 0",
        &format!(
            "clawwatch_alert_last_success_timestamp_seconds{{channel=\"good\"}} {}",
            NOW_MS / 1000
        ),
    ] {
        assert!(text.contains(want), "missing {want}:\n{text}");
    }
}

#[test]
fn alert_test_command_reports_per_channel() {
    let good = HttpSink::start();
    let bad = HttpSink::start();
    bad.respond_with(&[500]);
    let home = common::Home::new();
    let cfg = home.write(
        "clawwatch.toml",
        format!(
            "[alert]\nstate_file = \"{}\"\n[[alert.webhook]]\nname = \"good\"\nurl = \"{}\"\n[[alert.webhook]]\nname = \"bad\"\nurl = \"{}\"\n",
            home.path().join("s.json").display(),
            good.url,
            bad.url
        ),
    );
    let cfg = cfg.display().to_string();
    let o = home.run(&["alert", "test", "--config", &cfg, "--channel", "good"]);
    assert_eq!(common::rc(&o), 0, "{}", common::text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok    good (webhook)\n");
    let j = good.requests()[0].json();
    assert_eq!(j["status"], "test");

    let o = home.run(&["alert", "test", "--config", &cfg]);
    assert_eq!(common::rc(&o), 1, "{}", common::text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ok    good (webhook)"), "{out}");
    assert!(out.contains("FAIL  bad (webhook): HTTP 500"), "{out}");

    let o = home.run(&["alert", "test", "--config", &cfg, "--channel", "nope"]);
    assert_eq!(common::rc(&o), 1);
    assert!(String::from_utf8_lossy(&o.stdout).contains("no channel named \"nope\""));

    // No channels: exit 1 and say so; a broken config: exit 3.
    let empty = home.write("empty.toml", "");
    let o = home.run(&["alert", "test", "--config", &empty.display().to_string()]);
    assert_eq!(common::rc(&o), 1);
    assert!(String::from_utf8_lossy(&o.stdout).contains("no alert channels configured"));
    let broken = home.write("broken.toml", "[[alert.ntfy]]\nname = \"p\"\n");
    let o = home.run(&["alert", "test", "--config", &broken.display().to_string()]);
    assert_eq!(common::rc(&o), 3, "{}", common::text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("topic_file"));
}
