//! The imperative shell of doctor: everything the pure checks
//! ([`clawwatch_core::doctor::findings()`]) need from the host, read without
//! creating, modifying or touching any file (metadata, reads, `access(2)`,
//! a bind test of the metrics port and, with `--probe`, the network).

mod channels;
mod clawwatch;
mod files;
mod gateway;
mod inputs;
mod net;
mod options;

pub use files::dir_writable;
pub use gateway::{shell_exports, unit_environment, unit_environment_files};
pub use inputs::gather;
pub use net::{check_port, smtp_ehlo};
pub use options::Options;
