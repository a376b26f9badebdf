//! Helpers for integration tests that drive the built binary on temp homes.

pub mod daemon;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const NOW_ISO: &str = "2026-11-25T20:51:55Z";
pub const NOW_MS: i64 = 1_795_639_915_000;
pub const H: i64 = 3_600_000;
pub const D: i64 = 24 * H;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clawwatch"))
}

/// A temporary OpenClaw home.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
            env: vec![],
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn oc(&self) -> PathBuf {
        self.path().join(".openclaw")
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }

    pub fn config_anthropic(&self) -> &Self {
        self.write(
            ".openclaw/openclaw.json",
            r#"{"agents":{"defaults":{"model":{"primary":"anthropic/claude-sonnet-4-6"}}}}"#,
        );
        self
    }

    /// The state-db store, as `openclaw models auth paste-token` writes it.
    pub fn store(&self, profiles: serde_json::Value, state: Option<serde_json::Value>) -> &Self {
        let dir = self.oc().join("state");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let c = rusqlite::Connection::open(dir.join("openclaw.sqlite")).expect("db");
        c.execute_batch("CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT")
            .expect("schema");
        let mut rows = vec![
            (
                "auth.sharedStore",
                serde_json::json!({"location": "state-db"}),
            ),
            (
                "authProfiles.store",
                serde_json::json!({"version": 1, "profiles": profiles}),
            ),
        ];
        if let Some(s) = state {
            rows.push(("authProfiles.state", s));
        }
        for (k, v) in rows {
            c.execute(
                "INSERT INTO config_machine_state VALUES (?1, ?2, ?3)",
                rusqlite::params![k, v.to_string(), NOW_MS],
            )
            .expect("insert");
        }
        self
    }

    /// A legacy-main-style per-agent DB (`agents/<agent>/agent/openclaw-agent.sqlite`)
    /// holding these profiles and, if given, this state.
    pub fn agent_store(
        &self,
        agent: &str,
        profiles: serde_json::Value,
        state: Option<serde_json::Value>,
    ) -> &Self {
        let dir = self.oc().join("agents").join(agent).join("agent");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let c = rusqlite::Connection::open(dir.join("openclaw-agent.sqlite")).expect("db");
        c.execute_batch(
            "CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
             CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;",
        )
        .expect("schema");
        let store = serde_json::json!({"version": 1, "profiles": profiles});
        c.execute(
            "INSERT INTO auth_profile_store VALUES ('primary', ?1, 0)",
            [store.to_string()],
        )
        .expect("insert store");
        if let Some(s) = state {
            c.execute(
                "INSERT INTO auth_profile_state VALUES ('primary', ?1, 0)",
                [s.to_string()],
            )
            .expect("insert state");
        }
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    /// clawwatch in this home with a clean environment (`env -i` + PATH +
    /// HOME + TZ=UTC + env).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.path())
            .env("TZ", "UTC")
            .current_dir(self.path())
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Run clawwatch to completion (see `command`).
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run clawwatch")
    }

    pub fn check(&self) -> Output {
        self.run(&["check", "--now", NOW_ISO])
    }
}

pub fn rc(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The run printed `needle` on stdout (else fail, showing both streams).
#[track_caller]
pub fn assert_stdout_has(o: &Output, needle: &str) {
    assert!(stdout(o).contains(needle), "no {needle:?} in\n{}", text(o));
}

/// Poll `f` every 25 ms until it returns Some; None once `timeout` passed.
pub fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Poll `f` until it returns Some; fail naming `what` after `timeout`.
#[track_caller]
pub fn wait_for<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    match poll(timeout, f) {
        Some(v) => v,
        None => panic!("timed out waiting for {what}"),
    }
}

pub fn tok(expires_ms: i64, token: &str) -> serde_json::Value {
    serde_json::json!({"type":"token","provider":"anthropic","token":token,"expires":expires_ms})
}

/// Copy a directory tree (fixture homes).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        let ft = entry.file_type().expect("file type");
        if ft.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A needed tool or input: missing, the test fails. (Tests that need an
/// external tool carry `#[cfg_attr(not(have_<tool>), ignore = "needs …")]`:
/// build.rs sets `have_<tool>` when the tool is on PATH or CI=true, so
/// without the tool they show as ignored, and under CI they run and fail.)
pub fn require(present: bool, what: &str) -> bool {
    assert!(present, "{what} is missing: install it (.ci/run shows how)");
    present
}

/// Make a tree private as OpenClaw does (directories 0700, files 0600), so
/// doctor's permission checks stay quiet.
pub fn chmod_private(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(root).expect("read dir").flatten() {
        let p = e.path();
        let ft = e.file_type().expect("file type");
        if ft.is_dir() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).expect("chmod");
            chmod_private(&p);
        } else if ft.is_file() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    }
}
