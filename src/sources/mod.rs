//! Sources: read files and the environment into a plain [`Snapshot`].
//! One module per source; a failing source records a problem and never
//! stops the others.

pub mod claude_code;
pub mod dotenv;
pub mod env_keys;
pub mod openclaw_config;
pub mod profiles_json;
pub mod sqlite_file;
pub mod sqlite_store;
pub mod state_dir;
pub mod store_json;

use crate::model::{AgentRead, ConfigRead, EnvOrigin, LocalStore, ReadProblem, Snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest credential JSON file we read (they are a few KB).
const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

/// The process inputs the sources may look at, so tests can inject them.
#[derive(Debug, Clone, Default)]
pub struct HostEnv {
    pub vars: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

impl HostEnv {
    /// The real process environment (non-UTF-8 variables are skipped).
    pub fn from_process() -> Self {
        HostEnv {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    pub fn non_blank(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--state-dir`: overrides OPENCLAW_STATE_DIR.
    pub state_dir: Option<PathBuf>,
    /// Which agents' directories to read (the main agent's always is):
    /// only what the evaluation will look at.
    pub agents: crate::model::AgentScope,
}

/// Read a small JSON file; errors name what is wrong, not the contents.
pub fn read_json_file(path: &Path) -> Result<serde_json::Value, String> {
    let meta = std::fs::metadata(path).map_err(|e| openclaw_config::io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a directory, not a file".into());
    }
    if meta.len() > MAX_JSON_BYTES {
        return Err(format!(
            "{} bytes is too large for a credential file",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| openclaw_config::io_reason(&e))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON ({e})"))
}

/// `~/…` for display, as OpenClaw prints paths.
pub fn display_path(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() && home != Path::new("/") => {
            if rest.as_os_str().is_empty() {
                "~".to_string()
            } else {
                format!("~/{}", rest.display())
            }
        }
        _ => path.display().to_string(),
    }
}

/// Read every source into a snapshot. Never fails: problems are recorded.
pub fn read_snapshot(host: &HostEnv, opts: &ReadOptions) -> Snapshot {
    let paths = state_dir::resolve(host, opts.state_dir.as_deref());
    let home = paths.home.clone();
    let disp = |p: &Path| display_path(p, &home);
    let mut problems = Vec::new();

    // openclaw.json
    let config = openclaw_config::read(&paths.config_path, &disp(&paths.config_path));
    if let ConfigRead::Invalid { message } = &config {
        problems.push(ReadProblem {
            source: "openclaw_config",
            reason: "invalid",
            path: Some(disp(&paths.config_path)),
            message: message.clone(),
        });
    }

    // Shared store (state-db or legacy-main).
    let (shared_store, dropped) = sqlite_store::read_shared(&paths.state_db, &paths.main_agent_dir);
    let shared_path = match &shared_store {
        crate::model::StoreRead::Loaded { path, .. } => Some(disp(path)),
        _ => None,
    };
    for d in dropped {
        problems.push(ReadProblem {
            source: "sqlite_store",
            reason: "dropped_profile",
            path: shared_path.clone(),
            message: d,
        });
    }
    if let crate::model::StoreRead::Failed { path, message, .. } = &shared_store {
        problems.push(ReadProblem {
            source: "sqlite_store",
            reason: "unreadable",
            path: Some(disp(path)),
            message: message.clone(),
        });
    }

    // Agents: "main", the configured ones and agents/*/agent on disk, but
    // only those the evaluation will look at.
    let cfg = match &config {
        ConfigRead::Loaded(c) => Some(c.as_ref()),
        _ => None,
    };
    let wanted: Option<Vec<String>> = match &opts.agents {
        crate::model::AgentScope::All => None,
        crate::model::AgentScope::Only(ids) => {
            Some(ids.iter().map(|i| i.trim().to_lowercase()).collect())
        }
        crate::model::AgentScope::Default => {
            Some(crate::evaluate::default_agent(cfg).into_iter().collect())
        }
    };
    let mut ids: Vec<(String, Option<PathBuf>)> = vec![("main".to_string(), None)];
    for a in cfg.map(|c| c.agents.as_slice()).unwrap_or_default() {
        ids.push((a.id.clone(), a.agent_dir.clone()));
    }
    match &wanted {
        None => ids.extend(
            state_dir::discover_agents(&paths.state_dir)
                .into_iter()
                .map(|id| (id, None)),
        ),
        Some(w) => {
            ids.retain(|(id, _)| id == "main" || w.contains(id));
            for id in w {
                if !ids.iter().any(|(i, _)| i == id)
                    && paths
                        .state_dir
                        .join("agents")
                        .join(id)
                        .join("agent")
                        .is_dir()
                {
                    ids.push((id.clone(), None));
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<(String, PathBuf)> = ids
        .into_iter()
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(id, dir_override)| {
            let dir = match dir_override {
                Some(d) => state_dir::expand(&d.to_string_lossy(), &home, &host.cwd),
                None if id == "main" => paths.main_agent_dir.clone(),
                None => paths.state_dir.join("agents").join(&id).join("agent"),
            };
            (id, dir)
        })
        .collect();
    // The legacy-main shared store is the main agent's own DB: no overlay.
    let main_shares_db = !matches!(
        &shared_store,
        crate::model::StoreRead::Loaded {
            location: crate::model::StoreLocation::StateDb,
            ..
        }
    );
    // Agent stores are independent files: read them on every core.
    let read_one = |(id, dir): &(String, PathBuf)| -> (AgentRead, Vec<ReadProblem>) {
        read_agent(id, dir, &paths, main_shares_db, &disp)
    };
    let results: Vec<(AgentRead, Vec<ReadProblem>)> = crate::par::map(&ids, &read_one);
    let mut agents: Vec<AgentRead> = Vec::with_capacity(results.len());
    for (a, p) in results {
        agents.push(a);
        problems.extend(p);
    }

    // Environment: process > <state>/.env > gateway.env > config env.vars.
    let mut later = Vec::new();
    for (origin, path) in dotenv_paths(host, &paths) {
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() as u64 <= MAX_JSON_BYTES => {
                later.push((origin, dotenv::parse(&String::from_utf8_lossy(&bytes))));
            }
            Ok(_) => problems.push(ReadProblem {
                source: "dotenv",
                reason: "too_large",
                path: Some(disp(&path)),
                message: "the .env file is too large to be a .env file; ignored".into(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => problems.push(ReadProblem {
                source: "dotenv",
                reason: "unreadable",
                path: Some(disp(&path)),
                message: format!("cannot read: {}; ignored", openclaw_config::io_reason(&e)),
            }),
        }
    }
    if let ConfigRead::Loaded(cfg) = &config {
        later.push((EnvOrigin::ConfigVars, cfg.env_vars.clone()));
    }
    let env = env_keys::layer(host.vars.clone(), later);

    // Claude Code's credentials.
    let claude_dir = host
        .non_blank("CLAUDE_CONFIG_DIR")
        .map(|d| state_dir::expand(d, &state_dir::os_home(host), &host.cwd))
        .unwrap_or_else(|| state_dir::os_home(host).join(".claude"));
    let claude_code = claude_code::read(&claude_dir.join(".credentials.json"));
    if let Some(c) = &claude_code
        && let Err(e) = &c.creds
    {
        problems.push(ReadProblem {
            source: "claude_code",
            reason: "malformed",
            path: Some(disp(&c.path)),
            message: e.clone(),
        });
    }

    Snapshot {
        paths,
        config,
        shared_store,
        agents,
        env,
        claude_code,
        problems,
    }
}

/// One agent directory: its own store and any legacy JSON files.
fn read_agent(
    id: &str,
    dir: &Path,
    paths: &crate::model::Paths,
    main_shares_db: bool,
    disp: &dyn Fn(&Path) -> String,
) -> (AgentRead, Vec<ReadProblem>) {
    let mut problems = Vec::new();
    let is_main_dir = dir == paths.main_agent_dir;
    let local_store = if main_shares_db && is_main_dir {
        None
    } else {
        let db = dir.join(sqlite_store::AGENT_DB);
        sqlite_store::read_agent_db(&db).map(|r| {
            let store = r.map(|(s, dropped)| {
                for d in dropped {
                    problems.push(ReadProblem {
                        source: "sqlite_store",
                        reason: "dropped_profile",
                        path: Some(disp(&db)),
                        message: d,
                    });
                }
                s
            });
            if let Err(e) = &store {
                problems.push(ReadProblem {
                    source: "sqlite_store",
                    reason: "unreadable",
                    path: Some(disp(&db)),
                    message: e.clone(),
                });
            }
            LocalStore { path: db, store }
        })
    };
    let legacy = profiles_json::find(dir, is_main_dir.then_some(paths.oauth_dir.as_path()));
    for l in &legacy {
        if let Err(e) = &l.contents {
            problems.push(ReadProblem {
                source: "profiles_json",
                reason: "malformed",
                path: Some(disp(&l.path)),
                message: e.clone(),
            });
        }
    }
    (
        AgentRead {
            id: id.to_string(),
            dir: dir.to_path_buf(),
            local_store,
            legacy,
        },
        problems,
    )
}

fn dotenv_paths(host: &HostEnv, paths: &crate::model::Paths) -> Vec<(EnvOrigin, PathBuf)> {
    let mut out = vec![(EnvOrigin::DotEnv, paths.dotenv.clone())];
    let default_env = paths.home.join(".openclaw").join(".env");
    if host.non_blank("OPENCLAW_STATE_DIR").is_none() || paths.dotenv == default_env {
        out.push((
            EnvOrigin::DotEnv,
            paths
                .home
                .join(".config")
                .join("openclaw")
                .join("gateway.env"),
        ));
    }
    out
}
