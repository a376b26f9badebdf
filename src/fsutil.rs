//! Atomic file replacement, shared by the alert and probe state files and
//! the node_exporter textfile: a temp file `.<name>.tmp-<pid>` in the same
//! directory, fsync, rename over the target, fsync of the directory. A
//! reader sees the old file or the new one, never half; a crash leaves at
//! most the temp file, which [`remove_stale_temps`] clears.
//!
//! The temp file is created with `O_CREAT|O_EXCL|O_NOFOLLOW` in a directory
//! that is checked first: a symlink or a foreign file planted at the temp
//! name is refused, never written through (finding 3 of issue 17).
//!
//! Reads of input files go through [`read_bounded`]: only regular files are
//! opened (a FIFO or a device never blocks or floods a cycle), and never
//! more than a limit is read, whatever the file claims (issue 17, 6 and 10).

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a file operation failed, in words a person can act on.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ELOOP) => "too many levels of symbolic links (a symlink loop)".to_string(),
        _ => match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_string(),
            _ => e.to_string(),
        },
    }
}

/// Why [`read_bounded`] read nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Absent (or a dangling symlink).
    #[error("no such file")]
    NotFound,
    #[error("{}", io_reason(.0))]
    Io(std::io::Error),
    /// A directory, FIFO, socket or device: never opened for reading.
    #[error("it is {0}, not a regular file; refused")]
    NotRegular(&'static str),
    #[error("it is larger than the {max}-byte limit for this file; refused")]
    TooLarge { max: u64 },
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Io(e)
        }
    }
}

/// What a non-regular file is, in words.
fn kind_of(ft: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_file() {
        None
    } else if ft.is_dir() {
        Some("a directory")
    } else if ft.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if ft.is_socket() {
        Some("a socket")
    } else if ft.is_char_device() || ft.is_block_device() {
        Some("a device")
    } else {
        Some("a special file")
    }
}

/// Read at most `max` bytes of the regular file at `path` (symlinks are
/// followed). A FIFO, socket, device or directory is refused before it is
/// opened, and again after (the open is non-blocking, so a FIFO swapped in
/// meanwhile cannot hang us); a file over `max` is refused without reading
/// more than `max + 1` bytes of it.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if let Some(k) = kind_of(meta.file_type()) {
        return Err(ReadError::NotRegular(k));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge { max });
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = f.metadata()?;
    if let Some(k) = kind_of(meta.file_type()) {
        return Err(ReadError::NotRegular(k));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    f.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge { max });
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text; invalid bytes are an error naming the
/// offset (never the contents).
pub fn read_bounded_string(path: &Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn temp_prefix(path: &Path) -> Option<String> {
    path.file_name()
        .map(|n| format!(".{}.tmp-", n.to_string_lossy()))
}

/// Create `dir` and its parents, private to this user (0700) when created.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// The directory we write into must be a directory, and not one any user
/// may replace our files in (world-writable without the sticky bit).
fn check_dir(dir: &Path) -> std::io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a directory", dir.display()),
        ));
    }
    let mode = meta.mode();
    if mode & 0o002 != 0 && mode & 0o1000 == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is writable by every user (mode {:o}) without the sticky bit; refusing to write there (chmod o-w it)",
                dir.display(),
                mode & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Create `tmp` exclusively, never through a symlink. A temp of ours a
/// killed writer left (a regular file of this user with one link) is
/// removed and the create tried again; anything else is refused.
fn create_exclusive(tmp: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(mode)
            .open(tmp)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let m = std::fs::symlink_metadata(tmp)?;
            // SAFETY: geteuid has no preconditions.
            let ours =
                m.file_type().is_file() && m.nlink() == 1 && m.uid() == unsafe { libc::geteuid() };
            if !ours {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} already exists and is not a temp file of ours (a symlink, a hard link or another user's file); refusing to write through it, remove it",
                        tmp.display()
                    ),
                ));
            }
            std::fs::remove_file(tmp)?;
            open()
        }
        r => r,
    }
}

/// Replace `path` with `bytes` atomically; the file gets `mode` whatever
/// the umask. The directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let prefix = temp_prefix(path).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )
    })?;
    let dir = dir_of(path);
    check_dir(dir)?;
    // Never ends in the target's extension (node_exporter reads only *.prom).
    let tmp: PathBuf = dir.join(format!("{prefix}{}", std::process::id()));
    let mut f = create_exclusive(&tmp, mode)?;
    let result = (|| {
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    drop(f);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Remove temp files a killed writer of `path` left behind. Call only when
/// no other writer of `path` can be live (e.g. with its lock held).
pub fn remove_stale_temps(path: &Path) {
    let Some(prefix) = temp_prefix(path) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir_of(path)) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Why a private state file could not be written (the message names it).
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {what} {}: {source}", path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Serialize(#[from] serde_json::Error),
}

/// Write a private state file (0600) atomically, creating its directory
/// (0700); `what` names it in the error.
pub fn write_private(path: &Path, bytes: &[u8], what: &'static str) -> Result<(), SaveError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| SaveError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    write_atomic(path, bytes, 0o600).map_err(|source| SaveError::Write {
        what,
        path: path.to_path_buf(),
        source,
    })
}

/// [`write_private`] of a value as pretty JSON and a final newline (the
/// probe state file; the alert state's text comes from the core).
pub fn save_json<T: serde::Serialize>(
    path: &Path,
    value: &T,
    what: &'static str,
) -> Result<(), SaveError> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_private(path, &bytes, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_with_its_mode_and_leaves_no_temp() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("clawwatch.prom");
        write_atomic(&p, b"a 1\n", 0o644).unwrap();
        write_atomic(&p, b"a 2\n", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 2\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomic(&dir.path().join("missing/x.prom"), b"", 0o644).is_err());
        std::fs::write(dir.path().join(".clawwatch.prom.tmp-1"), "").unwrap();
        remove_stale_temps(&p);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn finding_03_a_symlink_at_the_temp_name_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let p = dir.path().join("clawwatch.prom");
        let tmp = dir
            .path()
            .join(format!(".clawwatch.prom.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        let e = write_atomic(&p, b"a 1\n", 0o644).unwrap_err();
        assert!(
            e.to_string().contains("refusing to write through it"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A hard link is refused too; a stale temp of ours is replaced.
        std::fs::remove_file(&tmp).unwrap();
        std::fs::hard_link(&victim, &tmp).unwrap();
        assert!(write_atomic(&p, b"a 1\n", 0o644).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        std::fs::remove_file(&tmp).unwrap();
        std::fs::write(&tmp, "stale").unwrap();
        write_atomic(&p, b"a 1\n", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 1\n");
        // A directory any user may write to (no sticky bit) is refused.
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = write_atomic(&open.join("x.prom"), b"", 0o644).unwrap_err();
        assert!(e.to_string().contains("writable by every user"), "{e}");
    }

    #[test]
    fn finding_06_read_bounded_refuses_special_and_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read_bounded(&fifo, 10),
            Err(ReadError::NotRegular(_))
        ));
        assert!(matches!(
            read_bounded(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular("a device"))
        ));
        assert!(matches!(
            read_bounded(dir.path(), 10),
            Err(ReadError::NotRegular(_))
        ));
        let f = dir.path().join("f");
        std::fs::write(&f, "12345").unwrap();
        assert_eq!(read_bounded(&f, 5).unwrap(), b"12345");
        assert!(matches!(
            read_bounded(&f, 4),
            Err(ReadError::TooLarge { max: 4 })
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("none"), 4),
            Err(ReadError::NotFound)
        ));
    }
}
