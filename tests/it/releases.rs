//! Every OpenClaw release's own homes (tests/fixtures/releases/<release>/,
//! built by that release's commands, tests/oracle/gen_release_homes.py):
//! clawwatch's exit code must be the one that release's
//! `models status --check` recorded, with the release chosen by each
//! detection route: `--openclaw-version`, `[openclaw] version` in
//! clawwatch.toml, an installed `openclaw` package.json on PATH, and the
//! home's own `meta.lastTouchedVersion`. Cross-era homes
//! (tests/fixtures/releases/cross/: a home of release X read by release Y)
//! get the verdict of the CLI that will run, and doctor says why.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/releases")
}

/// One recorded home: where, which release read it, its rc, and when.
struct Recorded {
    dir: PathBuf,
    read_by: String,
    written_by: String,
    rc: i32,
    agents: Vec<(String, i32)>,
    now: String,
}

fn json(p: &Path) -> serde_json::Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn recorded(dir: &Path) -> Recorded {
    let fixture = json(&dir.join("fixture.json"));
    let expected = json(&dir.join("expected.json"));
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().expect(k).to_string();
    let agents = expected["agents"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_i64()? as i32)))
                .collect()
        })
        .unwrap_or_default();
    Recorded {
        dir: dir.to_path_buf(),
        read_by: s(&fixture, "read_by"),
        written_by: s(&fixture, "written_by"),
        rc: expected["rc"].as_i64().expect("rc") as i32,
        agents,
        now: s(&fixture, "generated_at_iso"),
    }
}

/// The recorded homes under `tests/fixtures/releases/<sub>/`.
fn cases(sub: &str) -> Vec<Recorded> {
    let d = root().join(sub);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.json").is_file() && p.join("fixture.json").is_file())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| recorded(d)).collect()
}

/// The release directories (every directory but `cross`).
fn releases() -> Vec<String> {
    let mut r: Vec<String> = std::fs::read_dir(root())
        .expect("tests/fixtures/releases")
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "cross")
        .collect();
    r.sort();
    r
}

/// A home copy, the fixture's env, and a fake `openclaw` install.
struct Run {
    home: tempfile::TempDir,
    tools: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Run {
    fn new(c: &Recorded) -> Self {
        let home = tempfile::tempdir().expect("temp home");
        if c.dir.join("home").is_dir() {
            copy_tree(&c.dir.join("home"), home.path());
        }
        let mut env = vec![];
        if let Ok(text) = std::fs::read_to_string(c.dir.join("env")) {
            for line in text
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                if let Some((k, v)) = line.split_once('=') {
                    let v = v.replace("@HOME@", &home.path().to_string_lossy());
                    env.push((k.to_string(), v));
                }
            }
        }
        Run {
            home,
            tools: tempfile::tempdir().expect("temp tools"),
            env,
        }
    }

    /// `npm install -g --prefix <tools>/prefix openclaw@<release>`, as far
    /// as clawwatch looks: the package.json and the bin symlink.
    fn install(&self, release: &str) -> String {
        let prefix = self.tools.path().join("prefix");
        let pkg = prefix.join("lib/node_modules/openclaw");
        std::fs::create_dir_all(pkg.join("dist")).expect("mkdir");
        std::fs::write(
            pkg.join("package.json"),
            format!(
                r#"{{"name":"openclaw","version":"{release}","bin":{{"openclaw":"openclaw.mjs"}}}}"#
            ),
        )
        .expect("package.json");
        std::fs::write(pkg.join("openclaw.mjs"), "#!/usr/bin/env node\n").expect("bin");
        std::fs::create_dir_all(prefix.join("bin")).expect("mkdir");
        let link = prefix.join("bin/openclaw");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("../lib/node_modules/openclaw/openclaw.mjs", link)
            .expect("symlink");
        format!("{}:/usr/bin:/bin", prefix.join("bin").display())
    }

    fn cmd(&self, path: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("TZ", "UTC")
            .current_dir(self.home.path())
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn rc(&self, path: &str, args: &[&str]) -> (i32, String) {
        let o = self.cmd(path, args).output().expect("run clawwatch");
        (rc(&o), text(&o))
    }

    /// `clawwatch once` with `[openclaw] version` in its config, for one
    /// agent (once checks the configured agents, as `--agent` does).
    fn once_with_config_key(&self, release: &str, agent: &str, now: &str) -> (i32, String) {
        let cfg = self.tools.path().join("clawwatch.toml");
        let text = format!(
            "agents = [\"{agent}\"]\nstate_dir = \"\"\n[metrics]\nlisten = \"\"\n[doctor]\nenabled = false\n[openclaw]\nversion = \"{release}\"\n"
        );
        std::fs::write(&cfg, text).expect("clawwatch.toml");
        let state = self.tools.path().join("state");
        let mut c = self.cmd("/usr/bin:/bin", &["once", "--now", now, "--config"]);
        c.arg(&cfg).env("XDG_STATE_HOME", &state);
        let o = c.output().expect("run clawwatch once");
        (rc(&o), text_of(&o))
    }
}

fn text_of(o: &std::process::Output) -> String {
    text(o)
}

/// The home names its release in openclaw.json `meta.lastTouchedVersion`.
fn home_names(c: &Recorded, release: &str) -> bool {
    let p = c.dir.join("home/.openclaw/openclaw.json");
    std::fs::read_to_string(p)
        .is_ok_and(|t| t.contains(&format!("\"lastTouchedVersion\": \"{release}\"")))
}

/// Every route on one home; the disagreements, in words.
fn disagreements(c: &Recorded) -> (Vec<String>, usize) {
    let run = Run::new(c);
    let name = c
        .dir
        .strip_prefix(root())
        .unwrap_or(&c.dir)
        .display()
        .to_string();
    let mut bad = vec![];
    let mut runs = 0;
    let mut expect = |route: &str, want: i32, (got, out): (i32, String)| {
        runs += 1;
        if got != want {
            bad.push(format!(
                "{name} [{route}]: {} said {want}, clawwatch {got}\n{out}",
                c.read_by
            ));
        }
    };
    let check = ["check", "--now", c.now.as_str()];
    let flag = ["--openclaw-version", c.read_by.as_str()];
    let with_flag: Vec<&str> = flag.iter().chain(&check).copied().collect();
    expect(
        "--openclaw-version",
        c.rc,
        run.rc("/usr/bin:/bin", &with_flag),
    );
    for (agent, want) in &c.agents {
        let mut a = with_flag.clone();
        a.extend(["--agent", agent.as_str()]);
        expect(
            &format!("--openclaw-version --agent {agent}"),
            *want,
            run.rc("/usr/bin:/bin", &a),
        );
    }
    if let Some((agent, want)) = c.agents.iter().find(|(a, _)| a == "main") {
        let got = run.once_with_config_key(&c.read_by, agent, &c.now);
        expect("[openclaw] version (once, agent main)", *want, got);
    }
    let path = run.install(&c.read_by);
    expect(
        "installed package.json on PATH",
        c.rc,
        run.rc(&path, &check),
    );
    if home_names(c, &c.read_by) {
        expect(
            "meta.lastTouchedVersion",
            c.rc,
            run.rc("/usr/bin:/bin", &check),
        );
    }
    (bad, runs)
}

#[test]
fn every_release_home_gives_that_releases_rc_by_every_route() {
    let mut bad = vec![];
    let mut per_release = vec![];
    for r in releases() {
        let cs = cases(&r);
        let mut n = 0;
        for c in &cs {
            let (b, runs) = disagreements(c);
            n += runs;
            bad.extend(b);
        }
        per_release.push(format!("{r}: {} homes, {n} runs", cs.len()));
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
    eprintln!("{}", per_release.join("\n"));
}

#[test]
fn every_era_has_at_least_15_recorded_homes_from_its_own_commands() {
    use clawwatch_core::openclaw::release::{Era, Release};
    let mut per_era = std::collections::BTreeMap::<Era, usize>::new();
    for r in releases() {
        let era = Release::parse(&r).expect("a release directory name").era();
        let cs = cases(&r);
        for c in &cs {
            assert_eq!(c.written_by, r, "{}", c.dir.display());
            assert!(
                json(&c.dir.join("fixture.json"))["commands"].is_array(),
                "{}: no recorded commands",
                c.dir.display()
            );
        }
        *per_era.entry(era).or_default() += cs.len();
    }
    for era in [Era::JsonStore, Era::AgentDb, Era::StateDb] {
        let n = per_era.get(&era).copied().unwrap_or(0);
        assert!(n >= 15, "{era}: only {n} recorded homes");
    }
}

/// A home of release X read by release Y: Y's verdict when Y is the
/// installed CLI (the home still says X), and doctor names the mismatch.
#[test]
fn cross_era_homes_get_the_verdict_of_the_cli_that_runs() {
    use clawwatch_core::openclaw::release::Release;
    let cs = cases("cross");
    assert!(cs.len() >= 4, "only {} cross-era homes", cs.len());
    let mut bad = vec![];
    let mut pairs = std::collections::BTreeSet::new();
    for c in &cs {
        let run = Run::new(c);
        let name = c
            .dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let path = run.install(&c.read_by);
        let (got, out) = run.rc(&path, &["check", "--now", &c.now]);
        if got != c.rc {
            bad.push(format!(
                "{name}: {} said {}, clawwatch {got}\n{out}",
                c.read_by, c.rc
            ));
        }
        let fixture = json(&c.dir.join("fixture.json"));
        let home_era = fixture["migrated_by"]
            .as_str()
            .map_or(c.written_by.as_str(), |m| m);
        let eras = (
            Release::parse(home_era).map(Release::era),
            Release::parse(&c.read_by).map(Release::era),
        );
        if eras.0 == eras.1 || !home_names(c, home_era) {
            continue;
        }
        pairs.insert((c.written_by.clone(), c.read_by.clone()));
        let o = run
            .cmd(&path, &["doctor", "--json", "--now", &c.now])
            .output()
            .expect("doctor");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        let said = v["findings"].as_array().into_iter().flatten().any(|f| {
            f["id"] == "openclaw-release-mismatch"
                && f["severity"] == "warning"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&c.read_by))
        });
        if !said {
            bad.push(format!(
                "{name}: doctor does not explain the mismatch:\n{}",
                text(&o)
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let want = [("2026.5.28", "2026.9.6"), ("2026.9.6", "2026.7.35")];
    for (w, r) in want {
        assert!(
            pairs.contains(&(w.to_string(), r.to_string())),
            "no cross-era home written by {w} and read by {r}: {pairs:?}"
        );
    }
}
