//! node_exporter textfile output, written atomically: a temp file in the
//! same directory, fsync, rename, fsync of the directory. A reader (the
//! textfile collector) sees either the old file or the new one, never half.

use std::path::Path;

/// World-readable (0644): node_exporter usually runs as another user, and
/// the file holds no secret (even under a service's UMask=0077).
pub fn write_atomic(path: &Path, contents: &str) -> std::io::Result<()> {
    crate::fsutil::write_atomic(path, contents.as_bytes(), 0o644)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("clawwatch.prom");
        super::write_atomic(&p, "a 1\n").unwrap();
        super::write_atomic(&p, "a 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 2\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(super::write_atomic(&dir.path().join("missing/x.prom"), "").is_err());
    }
}
