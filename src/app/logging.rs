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
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = match cli.log_format {
        LogFormat::Text => builder.finish().with(dependency_caps()).try_init(),
        LogFormat::Json => builder.json().finish().with(dependency_caps()).try_init(),
    };
}

/// Dependencies whose own logs can carry request lines, headers or SMTP
/// exchanges (a bearer token, an ntfy topic in a URL, AUTH) are capped
/// whatever RUST_LOG or -vvv asks: a second filter beside the EnvFilter,
/// so even a more specific `RUST_LOG=ureq::x=trace` cannot lift it
/// (issue 17, finding 2). Their errors reach us as values, which the
/// channels scrub.
fn dependency_caps() -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::LevelFilter;
    tracing_subscriber::filter::Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("ureq", LevelFilter::OFF)
        .with_target("ureq_proto", LevelFilter::OFF)
        .with_target("lettre", LevelFilter::OFF)
        .with_target("rustls", LevelFilter::WARN)
        .with_target("hyper", LevelFilter::WARN)
        .with_target("hyper_util", LevelFilter::WARN)
        .with_target("h2", LevelFilter::WARN)
        .with_target("axum", LevelFilter::WARN)
        .with_target("tower", LevelFilter::WARN)
}
