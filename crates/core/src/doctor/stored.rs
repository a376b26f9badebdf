//! Stored profiles as an agent sees them (shared by the OpenClaw checks
//! and the probe).

use crate::model::{Credential, LocalStore, Profile, Snapshot, StoreRead};
use crate::secret::Secret;

/// A stored profile as the agent sees it (its own store first).
pub fn stored_profile<'a>(snap: &'a Snapshot, agent: &str, id: &str) -> Option<&'a Profile> {
    let local = snap
        .agents
        .iter()
        .find(|a| a.id == agent)
        .and_then(|a| match &a.local_store {
            Some(LocalStore { store: Ok(s), .. }) => s.profile(id),
            _ => None,
        });
    let shared = match &snap.shared_store {
        StoreRead::Loaded { store, .. } => store.profile(id),
        _ => None,
    };
    local.or(shared)
}

/// The stored secret of a profile (token, access token or key).
pub fn stored_secret<'a>(snap: &'a Snapshot, agent: &str, id: &str) -> Option<&'a Secret> {
    match &stored_profile(snap, agent, id)?.credential {
        Credential::Token { token, .. } => token.as_ref(),
        Credential::OAuth { access, .. } => access.as_ref(),
        Credential::ApiKey { key, .. } => key.as_ref(),
    }
}
