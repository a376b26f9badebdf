//! `clawwatch doctor`'s two renderings: the report for people and the
//! `--json` document (schema in the README).

use clawwatch_core::doctor::{Finding, Level, Summary, summary};
use clawwatch_core::model::Report;
use serde::Serialize;
use std::fmt::Write;

/// Version of the `doctor --json` document; fields are only ever added
/// within a version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema_version: u32,
    findings: &'a [Finding],
    summary: Summary,
    exit_code: i32,
}

/// `doctor --json`.
pub fn render_json(findings: &[Finding], exit_code: i32) -> String {
    let doc = JsonDoc {
        schema_version: SCHEMA_VERSION,
        findings,
        summary: summary(findings),
        exit_code,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The human report: one block per finding, then a summary line.
pub fn render_text(report: &Report, findings: &[Finding], exit_code: i32) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "clawwatch doctor: OpenClaw state {}, config {}",
        report.state_dir, report.config_path
    );
    for f in findings {
        finding_block(&mut out, f);
    }
    let s = summary(findings);
    if findings.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "No findings: OpenClaw's model auth and clawwatch's setup look right."
        );
    }
    let _ = writeln!(
        out,
        "\n{}, {}, {} (exit {exit_code})",
        plural(s.error, "error"),
        plural(s.warning, "warning"),
        s.info.to_string() + " info"
    );
    out
}

fn finding_block(out: &mut String, f: &Finding) {
    let level = match f.severity {
        Level::Error => "ERROR  ",
        Level::Warning => "WARNING",
        Level::Info => "INFO   ",
    };
    out.push('\n');
    let _ = write!(out, "{level} {}", f.id);
    if let Some(a) = &f.agent {
        let _ = write!(out, " (agent {a})");
    }
    out.push('\n');
    let _ = writeln!(out, "        {}", f.message);
    if let Some(p) = &f.path {
        let _ = writeln!(out, "        path: {p}");
    }
    if !f.fix.is_empty() {
        let _ = writeln!(out, "        fix:  {}", f.fix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawwatch_core::doctor::FindingId;

    #[test]
    fn json_schema_is_stable() {
        let f = vec![
            Finding::new(FindingId::ProfileExpired, Level::Error, "m", "fix").agent("main"),
            Finding::new(FindingId::ConfigMissing, Level::Info, "m2", "").path("~/x"),
        ];
        let v: serde_json::Value = serde_json::from_str(&render_json(&f, 1)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["exit_code"], 1);
        assert_eq!(
            v["summary"],
            serde_json::json!({"error":1,"warning":0,"info":1})
        );
        assert_eq!(
            v["findings"][0],
            serde_json::json!({"id":"profile-expired","severity":"error","agent":"main","message":"m","fix":"fix"})
        );
        assert_eq!(
            v["findings"][1],
            serde_json::json!({"id":"config-missing","severity":"info","message":"m2","path":"~/x","fix":""})
        );
    }

    #[test]
    fn text_blocks_and_summary() {
        let report = Report {
            release: Default::default(),
            now_ms: 0,
            warn_within_ms: 0,
            state_dir: "~/.openclaw".into(),
            config_path: "~/.openclaw/openclaw.json".into(),
            verdict: clawwatch_core::model::Verdict::Ok,
            agents: vec![],
            external: vec![],
            read_problems: vec![],
        };
        assert_eq!(
            render_text(&report, &[], 0),
            "clawwatch doctor: OpenClaw state ~/.openclaw, config ~/.openclaw/openclaw.json\n\nNo findings: OpenClaw's model auth and clawwatch's setup look right.\n\n0 errors, 0 warnings, 0 info (exit 0)\n"
        );
        let f = [
            Finding::new(FindingId::ProfileExpiring, Level::Warning, "m", "do it")
                .agent("main")
                .path("~/p"),
        ];
        assert_eq!(
            render_text(&report, &f, 2),
            "clawwatch doctor: OpenClaw state ~/.openclaw, config ~/.openclaw/openclaw.json\n\nWARNING profile-expiring (agent main)\n        m\n        path: ~/p\n        fix:  do it\n\n0 errors, 1 warning, 0 info (exit 2)\n"
        );
    }
}
