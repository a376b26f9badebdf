//! Build facts for `--version` and `clawwatch_build_info` (the git commit
//! when built from git, the target and the profile), and which external
//! tools the integration tests can use on this machine.
//!
//! Tests that need promtool, Prometheus, Alertmanager, node_exporter, an
//! SMTP server (Python's aiosmtpd), shellcheck, bats, systemd-analyze, …
//! carry `#[cfg_attr(not(have_<tool>), ignore = "needs <tool>")]`. This
//! script sets `have_<tool>` when the tool is on PATH, or for every tool
//! under CI=true: without a tool a test shows as ignored (never as passed),
//! and in CI a missing tool fails the test. The binary itself uses none of
//! these cfgs.

use std::path::Path;
use std::process::{Command, Stdio};

/// (cfg name, how to tell it is there)
const TOOLS: &[(&str, Probe)] = &[
    ("have_promtool", Probe::Program("promtool")),
    ("have_prometheus", Probe::Program("prometheus")),
    (
        "have_alertmanager",
        Probe::Program("prometheus-alertmanager"),
    ),
    (
        "have_node_exporter",
        Probe::Program("prometheus-node-exporter"),
    ),
    ("have_shellcheck", Probe::Program("shellcheck")),
    ("have_bats", Probe::Program("bats")),
    ("have_systemd_analyze", Probe::Program("systemd-analyze")),
    ("have_openssl", Probe::Program("openssl")),
    ("have_curl", Probe::Program("curl")),
    ("have_htpasswd", Probe::Program("htpasswd")),
    ("have_aiosmtpd", Probe::Python("aiosmtpd")),
    ("have_py_bcrypt", Probe::Python("bcrypt")),
];

enum Probe {
    Program(&'static str),
    Python(&'static str),
}

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|d| is_executable(&d.join(program)))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The git commit the build is from (12 hex digits), or "unknown" when
/// built from a tarball or without git; re-run when HEAD moves.
fn revision() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // `--git-path` resolves linked worktrees too; only existing files are
    // watched (cargo re-runs the script every time for a missing one).
    let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watch.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watch {
        if let Some(p) = git(&["rev-parse", "--git-path", &name])
            && Path::new(&p).exists()
        {
            println!("cargo::rerun-if-changed={p}");
        }
    }
    git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let profile = std::env::var("PROFILE").unwrap_or_default();
    println!("cargo::rustc-env=CLAWWATCH_REVISION={}", revision());
    println!("cargo::rustc-env=CLAWWATCH_TARGET={target}");
    println!("cargo::rustc-env=CLAWWATCH_PROFILE={profile}");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-changed=build.rs");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    for (cfg, probe) in TOOLS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        let present = match probe {
            Probe::Program(p) => on_path(p),
            Probe::Python(m) => python_has(m),
        };
        if ci || present {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
