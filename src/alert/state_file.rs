//! alert-state.json on disk: where it is, the lock one cycle holds, load
//! (a file that cannot be used is moved aside) and atomic save (temp file
//! in the same directory, fsync, rename, fsync of the directory). What the
//! text means is [`clawwatch_core::alert::state`]'s business.

use crate::fsutil::{ReadError, SaveError, create_private_dir, write_private};
use clawwatch_core::alert::state::{AlertState, StateError, parse, to_json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A problem met loading the state: alerting goes on from a fresh state.
#[derive(Debug, thiserror::Error)]
pub enum LoadProblem {
    #[error("cannot read alert state {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Corrupt or of a newer version; moved to `moved_to` when it could be.
    #[error(
        "alert state {} is unusable ({error}){}; starting afresh",
        path.display(),
        moved_to.as_ref().map(|m| format!("; moved to {}", m.display())).unwrap_or_default()
    )]
    Unusable {
        path: PathBuf,
        error: StateError,
        moved_to: Option<PathBuf>,
    },
}

/// What [`load`] found.
#[derive(Debug)]
pub struct Loaded {
    pub state: AlertState,
    /// A problem met: a fresh state is used.
    pub problem: Option<LoadProblem>,
}

/// Largest alert state file we read (one entry per credential and channel).
const MAX_STATE_BYTES: u64 = 64 * 1024 * 1024;

/// Load the state; absent = fresh. A file that cannot be used is renamed to
/// `<file>.bad-<ms>` (kept for people) and a fresh state is returned with
/// the problem, so alerting goes on.
pub fn load(path: &Path, now_ms: i64) -> Loaded {
    let fresh = |problem| Loaded {
        state: AlertState::default(),
        problem,
    };
    let text = match crate::fsutil::read_bounded_string(path, MAX_STATE_BYTES) {
        Ok(t) => t,
        Err(ReadError::NotFound) => return fresh(None),
        Err(ReadError::Io(source)) => {
            return fresh(Some(LoadProblem::Unreadable {
                path: path.to_path_buf(),
                source,
            }));
        }
        Err(e) => {
            return fresh(Some(LoadProblem::Unreadable {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            }));
        }
    };
    match parse(&text) {
        Ok(state) => Loaded {
            state,
            problem: None,
        },
        Err(error) => {
            let aside = PathBuf::from(format!("{}.bad-{now_ms}", path.display()));
            let moved_to = std::fs::rename(path, &aside).ok().map(|_| aside);
            fresh(Some(LoadProblem::Unusable {
                path: path.to_path_buf(),
                error,
                moved_to,
            }))
        }
    }
}

/// Write atomically: a temp file in the same directory, fsync, rename over
/// the target, fsync the directory. The directory is created (0700).
pub fn save(path: &Path, state: &AlertState) -> Result<(), SaveError> {
    write_private(path, &to_json(state)?, "alert state")
}

/// Why the cycle's lock could not be taken (the cycle goes on unlocked).
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Hold an exclusive advisory lock (`<state file>.lock`, flock) for one
/// cycle, so `clawwatch once` from a timer and a running daemon never plan
/// from the same state at once. Released when the file is dropped.
pub fn lock(path: &Path) -> Result<std::fs::File, LockError> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| LockError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    use std::os::unix::fs::OpenOptionsExt;
    // Never through a symlink planted at the lock's name.
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&lock_path)
        .map_err(|source| LockError::Open {
            path: lock_path.clone(),
            source,
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor this function owns.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(LockError::Lock {
                path: lock_path,
                source: std::io::Error::last_os_error(),
            });
        }
    }
    Ok(f)
}

/// Why the state file's place is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatePathError {
    #[error("alert.state_file starts with ~/ but HOME is not set")]
    TildeWithoutHome,
    #[error("neither XDG_STATE_HOME nor HOME is set: set alert.state_file")]
    NoStateHome,
}

/// The default state file: $XDG_STATE_HOME/clawwatch/alert-state.json, else
/// ~/.local/state/clawwatch/alert-state.json. `configured` wins when not
/// empty (a leading `~/` is the home directory).
pub fn resolve_path(
    configured: &str,
    env: &BTreeMap<String, String>,
) -> Result<PathBuf, StatePathError> {
    let non_blank = |k: &str| env.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let c = configured.trim();
    if !c.is_empty() {
        if let Some(rest) = c.strip_prefix("~/") {
            let home = non_blank("HOME").ok_or(StatePathError::TildeWithoutHome)?;
            return Ok(Path::new(home).join(rest));
        }
        return Ok(PathBuf::from(c));
    }
    if let Some(x) = non_blank("XDG_STATE_HOME") {
        return Ok(Path::new(x).join("clawwatch").join("alert-state.json"));
    }
    let home = non_blank("HOME").ok_or(StatePathError::NoStateHome)?;
    Ok(Path::new(home)
        .join(".local")
        .join("state")
        .join("clawwatch")
        .join("alert-state.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawwatch_core::alert::state::ChannelState;

    #[test]
    fn round_trip_and_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("alert-state.json");
        let mut st = AlertState {
            next_id: 7,
            ..Default::default()
        };
        st.channels.insert(
            "mail".into(),
            ChannelState {
                failures: 2,
                next_try_ms: Some(5),
                ..Default::default()
            },
        );
        save(&p, &st).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        let back = load(&p, 0);
        assert!(back.problem.is_none());
        assert_eq!(back.state, st);
        // No temp file left behind.
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn corrupt_and_newer_files_are_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "{not json").unwrap();
        let l = load(&p, 42);
        let aside = dir.path().join("s.json.bad-42");
        match l.problem {
            Some(LoadProblem::Unusable {
                error: StateError::Json(_),
                moved_to: Some(m),
                ..
            }) => assert_eq!(m, aside),
            other => panic!("{other:?}"),
        }
        assert!(aside.exists());
        std::fs::write(&p, "{\"version\":99}").unwrap();
        let problem = load(&p, 43).problem.unwrap();
        assert!(matches!(
            problem,
            LoadProblem::Unusable {
                error: StateError::Newer { found: 99 },
                ..
            }
        ));
        assert_eq!(
            problem.to_string(),
            format!(
                "alert state {} is unusable (version 99 is newer than this clawwatch understands (2)); moved to {}.bad-43; starting afresh",
                p.display(),
                p.display()
            )
        );
    }

    #[test]
    fn default_paths() {
        let env = |p: &[(&str, &str)]| -> BTreeMap<String, String> {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            resolve_path("", &env(&[("XDG_STATE_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/clawwatch/alert-state.json")
        );
        assert_eq!(
            resolve_path("", &env(&[("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.local/state/clawwatch/alert-state.json")
        );
        assert_eq!(
            resolve_path("~/s.json", &env(&[("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/s.json")
        );
        assert_eq!(
            resolve_path("", &env(&[])),
            Err(StatePathError::NoStateHome)
        );
        assert_eq!(
            resolve_path("~/s", &env(&[])),
            Err(StatePathError::TildeWithoutHome)
        );
    }
}
