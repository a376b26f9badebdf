//! Logs on stderr: off for `check`/`status` unless asked, else at the level
//! `-v` or `RUST_LOG` sets, as text or JSON.

use super::cli::{Cli, Command, LogFormat};

pub fn init(cli: &Cli) {
    // `check` and `status` log nothing above info (what they find goes to
    // stdout and stderr directly), so unless RUST_LOG or -v asks there is
    // nothing to print, and setting up the subscriber cost more than the
    // whole check.
    if cli.verbose == 0
        && std::env::var_os("RUST_LOG").is_none()
        && matches!(cli.command, Command::Check(_) | Command::Status(_))
    {
        return;
    }
    let default = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = match cli.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
