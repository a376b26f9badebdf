//! Opening OpenClaw's SQLite stores so that SQLite never creates or
//! rewrites anything in the OpenClaw home (issue 17, finding 9).
//!
//! A read-only connection to a WAL-mode database still creates `-shm` (and
//! an empty `-wal`) when they are missing, and rebuilds a damaged `-shm`.
//! So the side files decide how a store is opened:
//! - no `-wal`, or an empty one (the gateway is stopped, or the store was
//!   never in WAL mode): `immutable=1`, which makes SQLite read the main
//!   file alone, without locks or side files. Safe exactly then: with no
//!   WAL content there is nothing newer than the main file. Such a
//!   connection caches pages, so it is never kept between cycles.
//! - `-wal` with content (a running gateway, or one that crashed): even a
//!   read-only connection writes the `-shm` then — read marks, and a
//!   rebuild when it is missing, damaged or merely not held by a live
//!   process (measured: every such variant of the test changed it). So the
//!   main file and its `-wal` are copied into a private temporary
//!   directory and the copy is read. SQLite checks every WAL frame's salt
//!   and checksum, so a copy taken while the gateway checkpoints is at
//!   worst one commit old, never corrupt. Stores are small (a few KB to
//!   MB; the copy is capped at 256 MiB).
//! - a rollback journal with content (a crashed writer in rollback mode):
//!   the ordinary read-only open, which refuses to read rather than roll
//!   back (it cannot write).
//!
//! A side file that is not a regular file (a FIFO would block SQLite's
//! open) makes the store unreadable, with that reason.

use rusqlite::{Connection, OpenFlags};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How a store must be opened, from its side files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The ordinary read-only open (kept between cycles).
    Live,
    /// `immutable=1`: the main file alone.
    Immutable,
    /// Read a private copy of the main file and its WAL.
    Copy,
}

/// Largest database (main file plus WAL) copied to be read.
const MAX_COPY_BYTES: u64 = 256 * 1024 * 1024;

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The size of a side file (None: absent); not a regular file is an error.
fn side_len(p: &Path) -> Result<Option<u64>, String> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        Ok(_) => Err(format!(
            "{} is not a regular file (a pipe or a device?); refusing to open the database",
            p.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {}", p.display(), crate::fsutil::io_reason(&e))),
    }
}

/// How to open the database at `path` (see the module docs).
pub fn mode(path: &Path) -> Result<Mode, String> {
    let wal = side_len(&side(path, "-wal"))?;
    // Checked only so a FIFO there is refused before SQLite opens it.
    side_len(&side(path, "-shm"))?;
    let journal = side_len(&side(path, "-journal"))?;
    Ok(match wal {
        Some(n) if n > 0 => Mode::Copy,
        // A rollback journal left behind: the ordinary read-only open
        // refuses (it cannot roll back) rather than write.
        _ if journal.is_some_and(|n| n > 0) => Mode::Live,
        _ => Mode::Immutable,
    })
}

/// The `file:` URI of `path` with `immutable=1`.
fn immutable_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Open a database strictly read-only: never creates, never writes, never
/// takes a write lock.
pub fn open_ro(path: &Path) -> Result<Connection, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let _ = conn.busy_timeout(std::time::Duration::from_millis(1000));
    Ok(conn)
}

/// The main file alone, no locks, no side files.
pub fn open_immutable(path: &Path) -> Result<Connection, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    Connection::open_with_flags(immutable_uri(path), flags).map_err(|e| e.to_string())
}

/// Run `read` on a private copy of the database and its WAL.
pub fn with_copy<T>(
    path: &Path,
    read: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
) -> Result<T, String> {
    let dir = tempfile::Builder::new()
        .prefix("clawwatch-store-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary copy to read it: {e}"))?;
    let copy = dir.path().join("store.sqlite");
    let mut total = 0;
    for (from, to) in [
        (path.to_path_buf(), copy.clone()),
        (side(path, "-wal"), side(&copy, "-wal")),
    ] {
        let bytes = crate::fsutil::read_bounded(&from, MAX_COPY_BYTES - total)
            .map_err(|e| format!("{}: {e}", from.display()))?;
        total += bytes.len() as u64;
        std::fs::write(&to, bytes).map_err(|e| format!("cannot copy it to read it: {e}"))?;
    }
    let conn = Connection::open_with_flags(
        &copy,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    read(&conn).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(
            immutable_uri(Path::new("/h/a b?#%.sqlite")),
            "file:/h/a%20b%3F%23%25.sqlite?immutable=1"
        );
    }
}
