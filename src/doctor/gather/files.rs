//! Reads of the host's files without creating, modifying or touching any:
//! metadata, small reads and `access(2)`.

use crate::sources::files::io_reason;
use crate::sources::{HostEnv, state_dir};
use clawwatch_core::doctor::FileMode;
use clawwatch_core::model::Snapshot;
use clawwatch_core::openclaw::agents::AGENT_DB;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Small text files only (units, profiles, env files, clawwatch.toml).
const MAX_TEXT: u64 = 1024 * 1024;

/// The file's text (lossy UTF-8) when it is a regular file of at most 1 MiB.
pub fn read_small(path: &Path) -> Option<String> {
    crate::fsutil::read_bounded(path, MAX_TEXT)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `access(2)`: may this process read/write/search the path? (Honours root,
/// ACLs and read-only mounts, unlike mode bits.)
pub fn access(path: &Path, mode: libc::c_int) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c.as_ptr(), mode) == 0 }
}

/// A path from clawwatch's config (`~/` and relative paths resolved).
pub fn expand(p: &str, host: &HostEnv) -> PathBuf {
    state_dir::expand(p, &state_dir::os_home(host), &host.cwd)
}

/// Whether clawwatch could write files in `dir` (creating it if missing),
/// decided without creating anything.
pub fn dir_writable(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err("it exists but is not a directory".into()),
        Ok(_) if access(dir, libc::W_OK | libc::X_OK) => Ok(()),
        Ok(_) => Err("permission denied for this user".into()),
        // It would be created: the nearest existing ancestor decides.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ancestor_writable(dir),
        Err(e) => Err(io_reason(&e)),
    }
}

fn ancestor_writable(dir: &Path) -> Result<(), String> {
    let mut cur = dir.parent();
    while let Some(p) = cur {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                return if access(p, libc::W_OK | libc::X_OK) {
                    Ok(())
                } else {
                    Err(format!(
                        "it does not exist and cannot be created ({} is not writable)",
                        p.display()
                    ))
                };
            }
            Ok(_) => {
                return Err(format!(
                    "it cannot be created: {} is not a directory",
                    p.display()
                ));
            }
            Err(_) => cur = p.parent(),
        }
    }
    Err("it does not exist".into())
}

/// The textfile's directory: written in place, so it must exist.
pub fn existing_dir_writable(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        dir_writable(dir)
    } else if dir.exists() {
        Err("it exists but is not a directory".into())
    } else {
        Err("it does not exist (clawwatch does not create it)".into())
    }
}

/// A file an alert channel reads (a password, a topic).
pub fn file_readable(p: &Path) -> Result<(), String> {
    match std::fs::metadata(p) {
        Ok(m) if !m.is_file() => Err("not a file".to_string()),
        Ok(_) if !access(p, libc::R_OK) => Err("not readable by this user".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(io_reason(&e)),
    }
}

/// Whether `prog` (a path, or a name looked up in PATH) is executable.
pub fn find_program(prog: &str, host: &HostEnv) -> bool {
    let exec = |p: &Path| p.is_file() && access(p, libc::X_OK);
    if prog.contains('/') {
        return exec(&expand(prog, host));
    }
    host.vars
        .get("PATH")
        .map(|path| {
            path.split(':')
                .filter(|d| !d.is_empty())
                .any(|d| exec(&Path::new(d).join(prog)))
        })
        .unwrap_or(false)
}

/// The mode bits of every existing file that can hold credentials.
pub fn file_modes(snap: &Snapshot) -> Vec<FileMode> {
    use std::os::unix::fs::PermissionsExt;
    let p = &snap.paths;
    let mut cands: Vec<PathBuf> = vec![
        p.state_db.clone(),
        PathBuf::from(format!("{}-wal", p.state_db.display())),
        p.main_agent_dir.join(AGENT_DB),
        p.dotenv.clone(),
        p.home.join(".config/openclaw/gateway.env"),
        p.state_dir.join("gateway.systemd.env"),
        p.config_path.clone(),
    ];
    for a in &snap.agents {
        cands.push(a.dir.join(AGENT_DB));
        cands.extend(a.legacy.iter().map(|l| l.path.clone()));
    }
    if let Some(c) = &snap.claude_code {
        cands.push(c.path.clone());
    }
    let mut seen = BTreeSet::new();
    cands
        .into_iter()
        .filter(|c| seen.insert(c.clone()))
        .filter_map(|path| {
            let m = std::fs::metadata(&path).ok()?;
            m.is_file().then(|| FileMode {
                path,
                mode: m.permissions().mode(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writability_without_creating() {
        let d = tempfile::tempdir().unwrap();
        assert!(dir_writable(d.path()).is_ok());
        assert!(dir_writable(&d.path().join("a/b/c")).is_ok());
        assert!(!d.path().join("a").exists(), "nothing created");
        let f = d.path().join("file");
        std::fs::write(&f, "x").unwrap();
        assert!(dir_writable(&f).is_err());
        assert!(dir_writable(&f.join("sub")).is_err());
        assert!(existing_dir_writable(&d.path().join("a")).is_err());
        assert!(file_readable(&f).is_ok());
        assert!(file_readable(d.path()).is_err());
    }
}
