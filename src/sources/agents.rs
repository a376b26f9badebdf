//! Agent directories: which ones a check reads, and each one's own store
//! and legacy files.

use super::host::HostEnv;
use super::sqlite_store::{Connections, read_agent_db};
use super::{profiles_json, state_dir};
use clawwatch_core::model::{
    AgentRead, AgentScope, LocalStore, OpenclawConfig, Paths, ReadProblem, ReadReason, SourceName,
};
use clawwatch_core::openclaw::agents::{AGENT_DB, default_agent_as};
use clawwatch_core::openclaw::release::{EraRules, StoreKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The agents the evaluation will look at (None: every agent found).
fn wanted(
    scope: &AgentScope,
    cfg: Option<&OpenclawConfig>,
    rules: &EraRules,
) -> Option<Vec<String>> {
    match scope {
        AgentScope::All => None,
        AgentScope::Only(ids) => Some(ids.iter().map(|i| i.trim().to_lowercase()).collect()),
        AgentScope::Default => Some(default_agent_as(cfg, rules).into_iter().collect()),
    }
}

/// (id, directory) of "main", the configured agents and `agents/*/agent`
/// on disk, but only those the evaluation will look at.
pub fn directories(
    host: &HostEnv,
    paths: &Paths,
    cfg: Option<&OpenclawConfig>,
    (scope, rules): (&AgentScope, &EraRules),
) -> Vec<(String, PathBuf)> {
    let mut ids: Vec<(String, Option<PathBuf>)> = vec![("main".to_string(), None)];
    for a in cfg.map(|c| c.agents.as_slice()).unwrap_or_default() {
        ids.push((a.id.clone(), a.agent_dir.clone()));
    }
    let agent_dir = |id: &str| paths.state_dir.join("agents").join(id).join("agent");
    match wanted(scope, cfg, rules) {
        None => ids.extend(
            state_dir::discover_agents(&paths.state_dir)
                .into_iter()
                .map(|id| (id, None)),
        ),
        Some(w) => {
            ids.retain(|(id, _)| id == "main" || w.contains(id));
            for id in w {
                if !ids.iter().any(|(i, _)| *i == id) && agent_dir(&id).is_dir() {
                    ids.push((id, None));
                }
            }
        }
    }
    let mut seen = HashSet::new();
    ids.into_iter()
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(id, dir_override)| {
            let dir = match dir_override {
                Some(d) => state_dir::expand(&d.to_string_lossy(), &paths.home, &host.cwd),
                None if id == "main" => paths.main_agent_dir.clone(),
                None => agent_dir(&id),
            };
            (id, dir)
        })
        .collect()
}

fn problem(reason: ReadReason, path: String, message: String, source: SourceName) -> ReadProblem {
    ReadProblem {
        source,
        reason,
        path: Some(path),
        message,
    }
}

/// The agent's own database, unless it is the shared store itself.
fn local_store(
    conns: &Connections,
    dir: &Path,
    disp: &dyn Fn(&Path) -> String,
    problems: &mut Vec<ReadProblem>,
) -> Option<LocalStore> {
    let db = dir.join(AGENT_DB);
    let read = read_agent_db(conns, &db)?;
    let store = read.map(|(s, dropped)| {
        for d in dropped {
            problems.push(problem(
                ReadReason::DroppedProfile,
                disp(&db),
                d,
                SourceName::SqliteStore,
            ));
        }
        s
    });
    if let Err(e) = &store {
        problems.push(problem(
            ReadReason::Unreadable,
            disp(&db),
            e.clone(),
            SourceName::SqliteStore,
        ));
    }
    Some(LocalStore { path: db, store })
}

/// The agent's own `auth-profiles.json` as its store (the JSON-store era).
pub fn json_store(
    dir: &Path,
    problems: &mut Vec<ReadProblem>,
    disp: &dyn Fn(&Path) -> String,
) -> Option<LocalStore> {
    let path = dir.join(JSON_STORE);
    if !path.exists() {
        return None;
    }
    let store =
        super::files::read_json_file(&path).and_then(|v| super::store_json::parse_store(&v));
    let store = store.map(|(s, dropped)| {
        for d in dropped {
            problems.push(problem(
                ReadReason::DroppedProfile,
                disp(&path),
                d,
                SourceName::ProfilesJson,
            ));
        }
        s
    });
    if let Err(e) = &store {
        problems.push(problem(
            ReadReason::Malformed,
            disp(&path),
            e.clone(),
            SourceName::ProfilesJson,
        ));
    }
    Some(LocalStore { path, store })
}

/// The JSON-era store file of an agent directory.
pub const JSON_STORE: &str = "auth-profiles.json";

/// One agent directory: its own store and any legacy JSON files.
/// `main_shares_db`: the shared store is the main agent's own store.
/// `store`: which store the release reads (in the JSON-store era the
/// agent's `auth-profiles.json` is its store, not a legacy file).
pub fn read(
    conns: &Connections,
    (id, dir): &(String, PathBuf),
    paths: &Paths,
    (main_shares_db, store): (bool, StoreKind),
    disp: &dyn Fn(&Path) -> String,
) -> (AgentRead, Vec<ReadProblem>) {
    let mut problems = Vec::new();
    let is_main_dir = *dir == paths.main_agent_dir;
    let local_store = match store {
        _ if main_shares_db && is_main_dir => None,
        StoreKind::Json => json_store(dir, &mut problems, disp),
        _ => local_store(conns, dir, disp, &mut problems),
    };
    let mut legacy = profiles_json::find(dir, is_main_dir.then_some(paths.oauth_dir.as_path()));
    if store == StoreKind::Json {
        legacy.retain(|l| l.kind != clawwatch_core::model::LegacyKind::AuthProfiles);
    }
    for l in &legacy {
        if let Err(e) = &l.contents {
            problems.push(problem(
                ReadReason::Malformed,
                disp(&l.path),
                e.clone(),
                SourceName::ProfilesJson,
            ));
        }
    }
    let agent = AgentRead {
        id: id.clone(),
        dir: dir.clone(),
        local_store,
        legacy,
    };
    (agent, problems)
}
