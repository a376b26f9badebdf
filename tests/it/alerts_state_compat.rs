//! alert-state.json compatibility: files written before the planner moved
//! into the core (tests/fixtures/alert-state, recorded with that code) load,
//! save back byte for byte, and plan the same next cycle; a version-1 file
//! migrates to the same state; every notice renders the same subject, text,
//! HTML, webhook body, Alertmanager alert and ntfy priority.

use crate::support::compat_report;

use chrono::{DateTime, Utc};
use clawwatch::alert::message::{Ctx, fields, render};
use clawwatch::alert::state_file;
use clawwatch_core::alert::state::{self, AlertState};
use clawwatch_core::alert::{
    AlertPolicy, ChannelPolicy, NoticeKind, Notification, Severity, observe, observe_findings,
    plan_observed,
};
use compat_report::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alert-state")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

fn policy() -> AlertPolicy {
    AlertPolicy {
        channels: vec![
            ChannelPolicy {
                name: "mail".into(),
                min_severity: Severity::Warning,
            },
            ChannelPolicy {
                name: "phone".into(),
                min_severity: Severity::Critical,
            },
        ],
        doctor_min: Some(clawwatch_core::doctor::Level::Warning),
        ..AlertPolicy::default()
    }
}

fn cycle(st: &AlertState, step: u8, now: i64) -> (Vec<Notification>, AlertState) {
    let r = report(step, now);
    let p = policy();
    let mut obs = observe(&r, &p);
    observe_findings(&mut obs, &findings(step), &r, &p);
    plan_observed(&obs, st, at(now), &p)
}

fn render_all(ns: &[Notification], now: i64) -> String {
    let ctx = Ctx {
        host: "box".into(),
        now_ms: now,
    };
    let mut out = String::new();
    for n in ns {
        let r = render(n, &ctx);
        out.push_str(&format!(
            "=== notice {} {}\n{}\n{}\n{}\n{}\n{}\n",
            n.id,
            n.key.slug(),
            r.subject,
            r.title,
            r.short,
            r.text,
            r.html
        ));
        out.push_str(&format!("{:?}\n", fields(n, &ctx)));
        out.push_str(&format!("{}\n", clawwatch::alert::webhook::body(n, &ctx)));
        out.push_str(&format!(
            "{}\n",
            serde_json::Value::from(clawwatch::alert::alertmanager::alerts(n, now + H, &ctx))
        ));
        out.push_str(&format!(
            "{:?}\n",
            clawwatch::alert::ntfy::priority_and_tags(n)
        ));
    }
    out
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

fn bytes(st: &AlertState) -> String {
    String::from_utf8(state::to_json(st).unwrap()).unwrap()
}

/// The cycles the fixtures were recorded from, with this code.
fn rendered_now() -> String {
    let mut renders = String::new();
    let (n0, mut st) = cycle(&AlertState::default(), 0, T0);
    renders.push_str(&render_all(&n0, T0));
    for n in &n0 {
        st.accepted(n, "mail", T0);
    }
    if let Some(n) = n0.iter().find(|n| n.severity == Severity::Critical) {
        st.failed(
            n,
            "phone",
            "HTTP 503: busy",
            true,
            T0,
            clawwatch::alert::backoff_ms,
        );
    }
    let t1 = T0 + 13 * H;
    let (n1, mut st) = cycle(&st, 1, t1);
    renders.push_str(&render_all(&n1, t1));
    if let Some(n) = n1.first() {
        st.accepted(n, "mail", t1);
    }
    if let Some(n) = n1.iter().find(|n| n.kind == NoticeKind::Resolved) {
        st.failed(
            n,
            "mail",
            "HTTP 404: nope",
            false,
            t1,
            clawwatch::alert::backoff_ms,
        );
    }
    assert_eq!(bytes(&st), read("v2-written-before-core.json"));
    let t2 = T0 + 26 * H;
    let (n2, _) = cycle(&st, 0, t2);
    renders.push_str(&render_all(&n2, t2));
    let v1 = state::parse(&v1_text()).unwrap();
    let (n3, next) = cycle(&v1, 1, T0);
    renders.push_str(&render_all(&n3, T0));
    let current: Vec<Notification> = next.alerts.values().map(|r| r.current.clone()).collect();
    renders.push_str(&render_all(&current, T0));
    renders
}

#[test]
fn a_state_file_written_before_the_core_loads_and_saves_byte_for_byte() {
    let text = read("v2-written-before-core.json");
    let st = state::parse(&text).expect("loads");
    assert_eq!(bytes(&st), text);
    // Through the shell's load and save too.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("alert-state.json");
    std::fs::write(&p, &text).unwrap();
    let loaded = state_file::load(&p, 0);
    assert!(loaded.problem.is_none(), "{:?}", loaded.problem);
    state_file::save(&p, &loaded.state).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
}

#[test]
fn the_next_cycle_from_it_plans_as_before() {
    let st = state::parse(&read("v2-written-before-core.json")).unwrap();
    let (notices, next) = cycle(&st, 0, T0 + 26 * H);
    assert_eq!(json(&notices), read("v2-plan-notices.json"));
    assert_eq!(bytes(&next), read("v2-plan-state.json"));
}

#[test]
fn a_version_1_file_migrates_and_plans_as_before() {
    assert_eq!(read("v1.json"), v1_text());
    let st = state::parse(&read("v1.json")).unwrap();
    assert_eq!(bytes(&st), read("v1-migrated.json"));
    let (notices, next) = cycle(&st, 1, T0);
    assert_eq!(json(&notices), read("v1-plan-notices.json"));
    assert_eq!(bytes(&next), read("v1-plan-state.json"));
    // Its output, saved, loads back as it was.
    assert_eq!(state::parse(&bytes(&next)).unwrap(), next);
}

#[test]
fn every_notice_renders_as_before() {
    let now = rendered_now();
    if std::env::var_os("CLAWWATCH_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(fixture("rendered.txt"), &now).unwrap();
    }
    let before = read("rendered.txt");
    for (i, (a, b)) in now.lines().zip(before.lines()).enumerate() {
        assert_eq!(a, b, "line {}", i + 1);
    }
    assert_eq!(now.len(), before.len());
}
