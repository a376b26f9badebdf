//! Atomic file replacement, shared by the alert and probe state files and
//! the node_exporter textfile: a temp file `.<name>.tmp-<pid>` in the same
//! directory, fsync, rename over the target, fsync of the directory. A
//! reader sees the old file or the new one, never half; a crash leaves at
//! most the temp file, which [`remove_stale_temps`] clears.

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Write `value` as pretty JSON to `path` atomically (0600), creating its
/// directory (0700); `what` names the file in the error.
pub fn save_json<T: serde::Serialize>(path: &Path, value: &T, what: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    write_atomic(path, &bytes, 0o600)
        .map_err(|e| format!("cannot write {what} {}: {e}", path.display()))
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
    // Never ends in the target's extension (node_exporter reads only *.prom).
    let tmp: PathBuf = dir.join(format!("{prefix}{}", std::process::id()));
    let result = (|| {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
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
}
