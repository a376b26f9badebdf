//! Reading small input files: what went wrong in words a person can act
//! on, never the contents.

use std::path::Path;

/// Largest credential JSON file we read (they are a few KB).
pub const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

pub use crate::fsutil::io_reason;

/// Read a small JSON file; errors name what is wrong, not the contents.
pub fn read_json_file(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = crate::fsutil::read_bounded(path, MAX_JSON_BYTES).map_err(|e| match e {
        crate::fsutil::ReadError::TooLarge { .. } => {
            "it is too large for a credential file (over 8 MiB); refused".to_string()
        }
        e => e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON ({e})"))
}
