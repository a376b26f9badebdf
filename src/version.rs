//! What this binary is: version, git commit, target and build profile
//! (set by build.rs), as `--version` prints them and `clawwatch_build_info`
//! labels them.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit (12 hex digits), or "unknown" outside git.
pub const REVISION: &str = env!("CLAWWATCH_REVISION");
pub const TARGET: &str = env!("CLAWWATCH_TARGET");
pub const PROFILE: &str = env!("CLAWWATCH_PROFILE");

/// `0.1.0 (revision 1a2b3c4d5e6f, x86_64-unknown-linux-gnu, release)`.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (revision ",
    env!("CLAWWATCH_REVISION"),
    ", ",
    env!("CLAWWATCH_TARGET"),
    ", ",
    env!("CLAWWATCH_PROFILE"),
    ")"
);
