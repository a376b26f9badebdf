//! Snapshots built by hand for the topic tests (no files are read).

use crate::doctor::finding::Finding;
use crate::doctor::id::FindingId;
use crate::model::{
    AuthStore, ConfigRead, Credential, EnvOrigin, EnvVar, Expires, ModelSpec, OpenclawConfig,
    Paths, Profile, Report, Snapshot, StoreLocation, StoreRead,
};
use crate::secret::Secret;
use std::path::PathBuf;

/// 2026-11-25T10:00:00Z.
pub const NOW: i64 = 1_795_600_800_000;
pub const HOUR: i64 = 3_600_000;

/// An OpenClaw home at /h with nothing in it.
pub fn snap() -> Snapshot {
    let state = PathBuf::from("/h/.openclaw");
    Snapshot {
        paths: Paths {
            home: PathBuf::from("/h"),
            config_path: state.join("openclaw.json"),
            main_agent_dir: state.join("agents/main/agent"),
            state_db: state.join("state/openclaw.sqlite"),
            dotenv: state.join(".env"),
            oauth_dir: state.join("credentials"),
            state_dir: state,
            state_dir_exists: true,
        },
        ..Default::default()
    }
}

/// `snap()` whose openclaw.json sets this default model.
pub fn with_model(model: &str) -> Snapshot {
    let mut s = snap();
    s.config = ConfigRead::Loaded(Box::new(OpenclawConfig {
        defaults_model: ModelSpec {
            primary: Some(model.to_string()),
            fallbacks: None,
        },
        defaults_utility: Some(String::new()),
        ..Default::default()
    }));
    s
}

pub fn token(id: &str, expires_ms: i64) -> Profile {
    Profile {
        id: id.to_string(),
        provider: id.split(':').next().unwrap_or(id).to_string(),
        credential: Credential::Token {
            token: Some(Secret::new(format!("sk-ant-oat01-FAKE-{id}-0000000000"))),
            token_ref: false,
            expires: Expires::Number(expires_ms as f64),
        },
        setup_inactive: false,
        email: None,
    }
}

pub fn api_key(id: &str, key: &str) -> Profile {
    Profile {
        id: id.to_string(),
        provider: id.split(':').next().unwrap_or(id).to_string(),
        credential: Credential::ApiKey {
            key: Some(Secret::new(key)),
            key_ref: false,
        },
        setup_inactive: false,
        email: None,
    }
}

/// The shared store holds these profiles.
pub fn store(mut s: Snapshot, profiles: Vec<Profile>) -> Snapshot {
    s.shared_store = StoreRead::Loaded {
        location: StoreLocation::StateDb,
        path: s.paths.state_db.clone(),
        store: profiles.into_iter().collect::<AuthStore>(),
    };
    s
}

pub fn env(mut s: Snapshot, name: &str, value: &str, origin: EnvOrigin) -> Snapshot {
    s.env.vars.insert(
        name.to_string(),
        EnvVar {
            value: Secret::new(value),
            origin,
        },
    );
    s
}

/// The report as of [`NOW`] with the default policy.
pub fn report(s: &Snapshot) -> Report {
    crate::evaluate(s, NOW, &Default::default())
}

pub fn ids(out: &[Finding]) -> Vec<FindingId> {
    out.iter().map(|f| f.id).collect()
}
