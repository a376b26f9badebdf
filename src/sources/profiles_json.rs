//! Legacy JSON credential files (`auth-profiles.json`, `auth.json`,
//! `auth-state.json`, `credentials/oauth.json`). OpenClaw 2026.9 never reads
//! them at run time and refuses to run while an unmigrated one exists; we
//! still read them so `status` can show what they hold.

use super::store_json::{parse_flat_store, parse_store};
use clawwatch_core::model::{AuthStore, LegacyFile, LegacyKind};
use std::path::Path;

/// Legacy files present in an agent directory (plus the legacy OAuth file
/// when this is the main agent directory).
pub fn find(agent_dir: &Path, oauth_dir: Option<&Path>) -> Vec<LegacyFile> {
    let mut out = Vec::new();
    let mut candidates = vec![
        (
            agent_dir.join("auth-profiles.json"),
            LegacyKind::AuthProfiles,
        ),
        (agent_dir.join("auth-state.json"), LegacyKind::AuthState),
        (agent_dir.join("auth.json"), LegacyKind::LegacyAuth),
    ];
    if let Some(dir) = oauth_dir {
        candidates.push((dir.join("oauth.json"), LegacyKind::LegacyOauth));
    }
    // One directory listing instead of a stat per candidate.
    let names: Vec<std::ffi::OsString> = std::fs::read_dir(agent_dir)
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    for (path, kind) in candidates {
        let listed = path.parent() == Some(agent_dir)
            && path
                .file_name()
                .is_some_and(|n| names.iter().any(|m| m == n));
        // Presence is what matters to OpenClaw (fs.existsSync).
        if !listed && (path.parent() == Some(agent_dir) || !path.exists()) {
            continue;
        }
        let contents = match kind {
            LegacyKind::AuthProfiles => super::files::read_json_file(&path)
                .and_then(|v| parse_store(&v))
                .map(|(s, _)| s),
            LegacyKind::LegacyAuth => super::files::read_json_file(&path)
                .and_then(|v| parse_flat_store(&v))
                .map(|(s, _)| s),
            _ => super::files::read_json_file(&path).map(|_| AuthStore::default()),
        };
        out.push(LegacyFile {
            path,
            kind,
            contents,
        });
    }
    out
}
