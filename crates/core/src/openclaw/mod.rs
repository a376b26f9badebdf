//! What OpenClaw itself defines: provider ids and manifests, env
//! precedence and rotation keys, store merging, default agent and model,
//! display paths.

pub mod agents;
pub mod env;
pub mod paths;
pub mod providers;
pub mod release;
pub mod store;
