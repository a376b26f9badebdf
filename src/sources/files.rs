//! Reading small input files: what went wrong in words a person can act
//! on, never the contents.

use std::path::Path;

/// Largest credential JSON file we read (they are a few KB).
pub const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file operation failed, in words.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(40) => "too many levels of symbolic links (a symlink loop)".to_string(),
        _ => match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_string(),
            _ => e.to_string(),
        },
    }
}

/// Read a small JSON file; errors name what is wrong, not the contents.
pub fn read_json_file(path: &Path) -> Result<serde_json::Value, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a directory, not a file".into());
    }
    if meta.len() > MAX_JSON_BYTES {
        return Err(format!(
            "{} bytes is too large for a credential file",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io_reason(&e))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON ({e})"))
}
