//! Path resolution as OpenClaw 2026.9 does it: HOME / OPENCLAW_HOME,
//! OPENCLAW_STATE_DIR (legacy ~/.clawdbot), OPENCLAW_CONFIG_PATH,
//! OPENCLAW_AGENT_DIR / PI_CODING_AGENT_DIR, OPENCLAW_OAUTH_DIR.

use super::host::HostEnv;
use clawwatch_core::model::Paths;
use std::path::{Path, PathBuf};

/// The user's home as OpenClaw sees it (OPENCLAW_HOME beats HOME).
pub fn openclaw_home(env: &HostEnv) -> PathBuf {
    let os_home = os_home(env);
    match env.non_blank("OPENCLAW_HOME") {
        Some(h) => expand(h, &os_home, &env.cwd),
        None => os_home,
    }
}

/// The operating-system home (HOME, then USERPROFILE, then the cwd).
pub fn os_home(env: &HostEnv) -> PathBuf {
    env.non_blank("HOME")
        .or_else(|| env.non_blank("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| env.cwd.clone())
}

/// `~` and `~/…` expand to `home`; relative paths resolve against `cwd`.
pub fn expand(p: &str, home: &Path, cwd: &Path) -> PathBuf {
    let p = p.trim();
    let path = if p == "~" {
        home.to_path_buf()
    } else if let Some(rest) = p.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(p)
    };
    if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    }
}

/// Resolve every path. `state_dir_flag` (clawwatch's `--state-dir`) wins
/// over OPENCLAW_STATE_DIR.
pub fn resolve(env: &HostEnv, state_dir_flag: Option<&Path>) -> Paths {
    let home = openclaw_home(env);
    let state_dir = match (state_dir_flag, env.non_blank("OPENCLAW_STATE_DIR")) {
        (Some(flag), _) => expand(&flag.to_string_lossy(), &home, &env.cwd),
        (None, Some(v)) => expand(v, &home, &env.cwd),
        (None, None) => {
            let new_dir = home.join(".openclaw");
            let legacy = home.join(".clawdbot");
            if !new_dir.exists() && legacy.is_dir() {
                legacy
            } else {
                new_dir
            }
        }
    };
    let config_path = match env.non_blank("OPENCLAW_CONFIG_PATH") {
        Some(v) => expand(v, &home, &env.cwd),
        None => {
            let p = state_dir.join("openclaw.json");
            let legacy = state_dir.join("clawdbot.json");
            if !p.exists() && legacy.is_file() {
                legacy
            } else {
                p
            }
        }
    };
    let main_agent_dir = match env
        .non_blank("OPENCLAW_AGENT_DIR")
        .or_else(|| env.non_blank("PI_CODING_AGENT_DIR"))
    {
        Some(v) => expand(v, &home, &env.cwd),
        None => state_dir.join("agents").join("main").join("agent"),
    };
    let oauth_dir = match env.non_blank("OPENCLAW_OAUTH_DIR") {
        Some(v) => expand(v, &home, &env.cwd),
        None => state_dir.join("credentials"),
    };
    Paths {
        state_db: state_dir.join("state").join("openclaw.sqlite"),
        dotenv: state_dir.join(".env"),
        state_dir_exists: state_dir.is_dir(),
        home,
        state_dir,
        config_path,
        main_agent_dir,
        oauth_dir,
    }
}

/// Agent directories found on disk: `<state>/agents/<id>/agent`.
pub fn discover_agents(state_dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    let Ok(entries) = std::fs::read_dir(state_dir.join("agents")) else {
        return ids;
    };
    for e in entries.flatten() {
        if e.path().join("agent").is_dir()
            && let Some(name) = e.file_name().to_str()
        {
            ids.push(name.to_string());
        }
    }
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> HostEnv {
        HostEnv {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            cwd: PathBuf::from("/work"),
        }
    }

    #[test]
    fn defaults_follow_home() {
        let p = resolve(&env(&[("HOME", "/nonexistent/h")]), None);
        assert_eq!(p.state_dir, PathBuf::from("/nonexistent/h/.openclaw"));
        assert_eq!(
            p.config_path,
            PathBuf::from("/nonexistent/h/.openclaw/openclaw.json")
        );
        assert_eq!(
            p.main_agent_dir,
            PathBuf::from("/nonexistent/h/.openclaw/agents/main/agent")
        );
        assert_eq!(p.dotenv, PathBuf::from("/nonexistent/h/.openclaw/.env"));
    }

    #[test]
    fn overrides_win_and_expand_tilde() {
        let p = resolve(
            &env(&[
                ("HOME", "/h"),
                ("OPENCLAW_HOME", "/oh"),
                ("OPENCLAW_STATE_DIR", "~/st"),
                ("OPENCLAW_CONFIG_PATH", "cfg.json"),
                ("PI_CODING_AGENT_DIR", "~/agent"),
            ]),
            None,
        );
        assert_eq!(p.state_dir, PathBuf::from("/oh/st"));
        assert_eq!(p.config_path, PathBuf::from("/work/cfg.json"));
        assert_eq!(p.main_agent_dir, PathBuf::from("/oh/agent"));
    }

    #[test]
    fn flag_beats_env() {
        let p = resolve(
            &env(&[("HOME", "/h"), ("OPENCLAW_STATE_DIR", "/a")]),
            Some(Path::new("/b")),
        );
        assert_eq!(p.state_dir, PathBuf::from("/b"));
    }
}
