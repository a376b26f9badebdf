//! Human output: `check` lines and the `status` table.

use clawwatch_core::model::{AgentReport, CredentialReport, Problem, Report, RouteHealth, Verdict};
use clawwatch_core::timefmt::{iso, relative};
use std::fmt::Write;

fn level(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "OK",
        Verdict::Expiring => "WARNING",
        Verdict::Failing => "CRITICAL",
    }
}

fn problem_line(p: &Problem) -> String {
    let mut s = format!("{} agent={}", level(p.verdict), p.agent);
    if let Some(pr) = &p.provider {
        let _ = write!(s, " provider={pr}");
    }
    if let Some(id) = &p.profile {
        let _ = write!(s, " profile={id}");
    }
    let _ = write!(s, ": {}; fix: {}", p.message, p.fix);
    s
}

/// `clawwatch check`: one line per problem, or one OK line.
pub fn check(report: &Report) -> String {
    let mut out = String::new();
    let problems: Vec<&Problem> = report.problems().collect();
    if problems.is_empty() {
        let agents: Vec<&str> = report.agents.iter().map(|a| a.agent.as_str()).collect();
        let routes: usize = report.agents.iter().map(|a| a.routes.len()).sum();
        let _ = writeln!(
            out,
            "OK: {routes} configured route(s) of agent {} have usable credentials; none expires within {}",
            agents.join(", "),
            clawwatch_core::timefmt::human_duration(report.warn_within_ms)
        );
    }
    for p in problems {
        out.push_str(&problem_line(p));
        out.push('\n');
    }
    out
}

/// `check`'s last line when the state directory does not exist: most often
/// clawwatch runs as another user than the gateway, or OpenClaw never ran.
pub fn missing_state_dir(report: &Report) -> String {
    format!(
        "hint: {} does not exist: OpenClaw has not run as this user. If its gateway runs as another \
user or elsewhere, point clawwatch at that state directory (--state-dir or OPENCLAW_STATE_DIR); \
`clawwatch doctor` tells more.\n",
        report.state_dir
    )
}

/// Read problems as `clawwatch: <path>: <message>` lines (for stderr).
pub fn read_problems(report: &Report) -> String {
    let mut out = String::new();
    for p in &report.read_problems {
        match &p.path {
            Some(path) => {
                let _ = writeln!(out, "clawwatch: {path}: {}", p.message);
            }
            None => {
                let _ = writeln!(out, "clawwatch: {}: {}", p.source, p.message);
            }
        }
    }
    out
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn cred_row(c: &CredentialReport, now: i64) -> Vec<String> {
    let (at, rel) = match c.expires_at_ms {
        Some(e) => (iso(e), relative(e, now)),
        None => ("-".into(), "-".into()),
    };
    let mut state = c.state.as_str().to_string();
    if let Some(r) = &c.reason {
        let _ = write!(state, " ({r})");
    }
    if c.in_use {
        state.push_str(" *");
    }
    vec![
        if c.agent.is_empty() {
            "-".into()
        } else {
            c.agent.clone()
        },
        c.profile.clone(),
        c.provider.clone(),
        c.cred_type.to_string(),
        c.source.to_string(),
        at,
        rel,
        state,
    ]
}

/// The routes table of an agent.
fn routes_table(out: &mut String, a: &AgentReport) {
    if a.routes.is_empty() {
        return;
    }
    let mut rows = vec![vec![
        "  ROUTE".to_string(),
        "MODEL".into(),
        "HEALTH".into(),
        "USES".into(),
    ]];
    for r in &a.routes {
        rows.push(vec![
            format!("  {:?}", r.kind).to_lowercase(),
            r.model.clone(),
            match r.health {
                RouteHealth::Ok => "ok",
                RouteHealth::Expiring => "expiring",
                RouteHealth::Missing => "missing",
                RouteHealth::Indeterminate => "indeterminate",
                RouteHealth::Unavailable => "unavailable",
            }
            .into(),
            r.selected.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    out.push_str(&table(&rows));
}

/// The credentials table of an agent.
fn credentials_table(out: &mut String, a: &AgentReport, now: i64) {
    if a.credentials.is_empty() {
        let _ = writeln!(out, "  no credentials found");
        return;
    }
    let mut rows = vec![vec![
        "  AGENT".to_string(),
        "PROFILE".into(),
        "PROVIDER".into(),
        "TYPE".into(),
        "SOURCE".into(),
        "EXPIRES AT".into(),
        "IN".into(),
        "STATE".into(),
    ]];
    for c in &a.credentials {
        let mut r = cred_row(c, now);
        r[0] = format!("  {}", r[0]);
        rows.push(r);
    }
    out.push_str(&table(&rows));
}

/// One agent's section: header, routes, credentials, rotation keys,
/// problems.
fn agent_section(out: &mut String, a: &AgentReport, now: i64) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Agent {}{} — store {} — {}",
        a.agent,
        if a.default { " (default)" } else { "" },
        a.store_path,
        level(a.verdict)
    );
    if let Some(f) = &a.failure {
        let _ = writeln!(out, "  OpenClaw refuses to run: {f}");
    }
    routes_table(out, a);
    credentials_table(out, a, now);
    let rot: Vec<String> = a
        .providers
        .iter()
        .filter(|p| p.rotation_keys > 0)
        .map(|p| {
            format!(
                "{} {} key(s) from {}",
                p.provider,
                p.rotation_keys,
                p.rotation_vars.join(", ")
            )
        })
        .collect();
    if !rot.is_empty() {
        let _ = writeln!(
            out,
            "  Gateway rotation keys (not counted by check): {}",
            rot.join("; ")
        );
    }
    for p in &a.problems {
        let _ = writeln!(out, "  ! {}", problem_line(p));
    }
}

/// Credentials outside OpenClaw, and what could not be read.
fn outside_and_problems(out: &mut String, report: &Report) {
    if !report.external.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Outside OpenClaw (not counted by check):");
        let mut rows = Vec::new();
        for c in &report.external {
            let mut r = cred_row(c, report.now_ms);
            r[0] = "  -".into();
            rows.push(r);
        }
        out.push_str(&table(&rows));
    }
    if !report.read_problems.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Read problems:");
        for p in &report.read_problems {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.source,
                p.path.as_deref().unwrap_or(""),
                p.message
            );
        }
    }
}

/// `clawwatch status`: everything read, as tables.
pub fn status(report: &Report, exit_word: &str) -> String {
    let now = report.now_ms;
    let mut out = String::new();
    let _ = writeln!(out, "State dir : {}", report.state_dir);
    let _ = writeln!(out, "Config    : {}", report.config_path);
    let r = &report.release;
    let _ = writeln!(
        out,
        "OpenClaw  : {} rules ({} era): {}",
        r.release, r.era, r.reason
    );
    let _ = writeln!(out, "Now       : {}", iso(now));
    let _ = writeln!(out, "Verdict   : {exit_word}");
    for a in &report.agents {
        agent_section(&mut out, a, now);
    }
    outside_and_problems(&mut out, report);
    let _ = writeln!(out);
    let _ = writeln!(out, "* = selected by a configured route");
    out
}
