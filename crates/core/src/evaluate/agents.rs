//! Which agents a check looks at, and what each one reads: its store (its
//! own database over the shared one) and whether OpenClaw would refuse it.

use crate::model::{
    AgentFailure, AgentRead, AgentScope, AuthStore, ConfigRead, CredSource, FailureKind,
    LegacyKind, LocalStore, OpenclawConfig, Policy, Snapshot, StoreLocation, StoreRead,
};
use crate::openclaw::agents::{AGENT_DB, default_agent_as};
use crate::openclaw::paths::display_path;
use crate::openclaw::release::StoreKind;
use crate::openclaw::store::merge;
use crate::remedy::store_fix;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

/// An agent to evaluate, and the failure that stops it before any read.
pub type Target = (String, Option<AgentFailure>);

/// The agents a policy asks for.
pub fn targets(snap: &Snapshot, cfg: Option<&OpenclawConfig>, policy: &Policy) -> Vec<Target> {
    match &policy.agents {
        AgentScope::Default => match default_agent_as(cfg, &snap.release.rules()) {
            Ok(id) => vec![(id, None)],
            Err(e) => vec![("(default)".to_string(), Some(e))],
        },
        AgentScope::Only(ids) => ids
            .iter()
            .map(|id| (id.trim().to_lowercase(), None))
            .collect(),
        AgentScope::All => {
            let mut ids: Vec<String> = match cfg {
                Some(c) if !c.agents.is_empty() => c.agents.iter().map(|a| a.id.clone()).collect(),
                _ => vec!["main".to_string()],
            };
            let mut seen: HashSet<String> = ids.iter().cloned().collect();
            for a in &snap.agents {
                if (a.local_store.is_some() || !a.legacy.is_empty()) && seen.insert(a.id.clone()) {
                    ids.push(a.id.clone());
                }
            }
            ids.into_iter().map(|id| (id, None)).collect()
        }
    }
}

/// OpenClaw refuses an agent while an unmigrated legacy credential file
/// exists and its database holds no profiles.
fn legacy_failure(
    snap: &Snapshot,
    agent: &AgentRead,
    has_db_profiles: bool,
) -> Option<AgentFailure> {
    let sources: Vec<_> = agent
        .legacy
        .iter()
        .filter(|l| l.is_credential_source())
        .collect();
    if sources.is_empty() || has_db_profiles {
        return None;
    }
    let mut providers = BTreeSet::new();
    let mut scoped = true;
    for s in &sources {
        match (s.kind, &s.contents) {
            (LegacyKind::AuthProfiles, Ok(store)) if !store.profiles().is_empty() => {
                for p in store.profiles() {
                    providers.insert(p.provider.clone());
                    if p.provider == "openai-codex" {
                        providers.insert("openai".to_string());
                    }
                }
            }
            _ => scoped = false,
        }
    }
    let affected = if scoped && !providers.is_empty() {
        providers.into_iter().collect::<Vec<_>>().join(", ")
    } else {
        "all (legacy provider scope unavailable)".to_string()
    };
    let db = display_path(&agent.dir.join(AGENT_DB), &snap.paths.home);
    let message = format!(
        "Auth profile store {db} requires legacy credential migration; affected providers: {affected}; run openclaw doctor --fix."
    );
    Some(AgentFailure::new(FailureKind::LegacyMigration, message).at(db))
}

/// What one agent reads, after OpenClaw's merge: the store, where it lives,
/// where each profile came from, and the failure that stops OpenClaw.
pub struct AgentStore {
    pub store: AuthStore,
    pub path: PathBuf,
    pub failure: Option<AgentFailure>,
    local_ids: HashSet<String>,
    location: Option<StoreLocation>,
}

impl AgentStore {
    /// Where a profile of the merged store was read from.
    pub fn source_of(&self, id: &str) -> CredSource {
        match self.location {
            Some(StoreLocation::AgentJson) => CredSource::AgentJson,
            Some(StoreLocation::StateDb) if !self.local_ids.contains(id) => CredSource::StateDb,
            _ => CredSource::AgentDb,
        }
    }
}

/// The shared store, its path and location, or the failure it causes.
fn shared(
    snap: &Snapshot,
) -> (
    Option<(&AuthStore, PathBuf, StoreLocation)>,
    Option<AgentFailure>,
) {
    match &snap.shared_store {
        StoreRead::Loaded {
            store,
            path,
            location,
        } => (Some((store, path.clone(), *location)), None),
        StoreRead::Failed { message, cause, .. } => {
            let text = format!("{message} ({})", store_fix(*cause));
            (
                None,
                Some(AgentFailure::new(FailureKind::Store(*cause), text)),
            )
        }
        StoreRead::Empty => (None, None),
    }
}

/// Why OpenClaw refuses `id` before reading a store: a bad config, an
/// unresolvable default, an unknown id.
fn early_failure(
    snap: &Snapshot,
    id: &str,
    known: bool,
    resolve: Option<&AgentFailure>,
) -> Option<AgentFailure> {
    if let ConfigRead::Invalid { message, .. } = &snap.config {
        return Some(AgentFailure::new(
            FailureKind::InvalidConfig,
            message.clone(),
        ));
    }
    if let Some(f) = resolve {
        return Some(f.clone());
    }
    if known {
        return None;
    }
    let mut k: Vec<&str> = snap.agents.iter().map(|a| a.id.as_str()).collect();
    k.sort();
    Some(AgentFailure::new(
        FailureKind::UnknownAgent,
        format!("Unknown agent id \"{id}\"; known agents: {}", k.join(", ")),
    ))
}

/// The legacy-file failure of the agent or, after it, of the main agent.
fn legacy_block(
    snap: &Snapshot,
    agent: &AgentRead,
    shared_has_profiles: bool,
    location: Option<StoreLocation>,
) -> Option<AgentFailure> {
    let main = snap
        .agents
        .iter()
        .find(|a| a.dir == snap.paths.main_agent_dir);
    std::iter::once(agent).chain(main).find_map(|a| {
        let is_main = a.dir == snap.paths.main_agent_dir;
        let db_profiles = if is_main && location != Some(StoreLocation::StateDb) {
            shared_has_profiles
        } else {
            matches!(&a.local_store, Some(LocalStore { store: Ok(s), .. }) if !s.profiles().is_empty())
        };
        legacy_failure(snap, a, db_profiles)
    })
}

/// Assemble what `agent` reads. `known`: OpenClaw knows the id.
pub fn agent_store(
    snap: &Snapshot,
    agent: &AgentRead,
    known: bool,
    resolve: Option<&AgentFailure>,
) -> AgentStore {
    let disp = |p: &std::path::Path| display_path(p, &snap.paths.home);
    let mut failure = early_failure(snap, &agent.id, known, resolve);
    let (shared, shared_failure) = shared(snap);
    failure = failure.or(shared_failure);
    let location = shared.as_ref().map(|(_, _, l)| *l);
    let local = match &agent.local_store {
        Some(LocalStore { store: Ok(s), path }) => Some((s, path.clone())),
        Some(LocalStore {
            store: Err(e),
            path,
        }) => {
            let text = format!("cannot read {}: {e}", disp(path));
            let f = AgentFailure::new(FailureKind::AgentDbUnreadable, text).at(disp(path));
            failure = failure.or(Some(f));
            None
        }
        None => None,
    };
    if failure.is_none() && snap.release.rules().legacy_json_refused {
        let shared_has = shared
            .as_ref()
            .is_some_and(|(s, _, _)| !s.profiles().is_empty());
        failure = legacy_block(snap, agent, shared_has, location);
    }
    let store = match (&shared, &local) {
        (Some((s, _, _)), Some((l, _))) => merge(s, l),
        (Some((s, _, _)), None) => (*s).clone(),
        (None, Some((l, _))) => (*l).clone(),
        (None, None) => AuthStore::default(),
    };
    let path = local
        .as_ref()
        .filter(|(l, _)| !l.profiles().is_empty())
        .map(|(_, p)| p.clone())
        .or(shared.as_ref().map(|(_, p, _)| p.clone()))
        .unwrap_or_else(|| match (location, snap.release.rules().store) {
            (Some(StoreLocation::StateDb), _) => snap.paths.state_db.clone(),
            (_, StoreKind::Json) => snap.paths.main_agent_dir.join("auth-profiles.json"),
            _ => snap.paths.main_agent_dir.join(AGENT_DB),
        });
    let local_ids = local
        .map(|(l, _)| l.profiles().iter().map(|p| p.id.clone()).collect())
        .unwrap_or_default();
    AgentStore {
        store,
        path,
        failure,
        local_ids,
        location,
    }
}
