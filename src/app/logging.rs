//! Logs on stderr: off for `check`/`status` unless asked, else at the level
//! `--log.level`, `-v` or `RUST_LOG` sets (default info for `run`, warn
//! otherwise), as text, logfmt or JSON.

use super::cli::{Cli, Command, LogFormat, LogLevel};
use std::fmt::Write as _;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

fn level_name(cli: &Cli) -> &'static str {
    match (cli.log_level, cli.verbose) {
        (Some(LogLevel::Error), _) => "error",
        (Some(LogLevel::Warn), _) => "warn",
        (Some(LogLevel::Info), _) => "info",
        (Some(LogLevel::Debug), _) => "debug",
        (Some(LogLevel::Trace), _) => "trace",
        (None, 0) if matches!(cli.command, Command::Run(_)) => "info",
        (None, 0) => "warn",
        (None, 1) => "info",
        (None, 2) => "debug",
        (None, _) => "trace",
    }
}

pub fn init(cli: &Cli) {
    // `check` and `status` log nothing above info (what they find goes to
    // stdout and stderr directly), so unless RUST_LOG or -v asks there is
    // nothing to print, and setting up the subscriber cost more than the
    // whole check.
    if cli.verbose == 0
        && cli.log_level.is_none()
        && std::env::var_os("RUST_LOG").is_none()
        && matches!(cli.command, Command::Check(_) | Command::Status(_))
    {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level_name(cli)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = match cli.log_format {
        LogFormat::Text => builder.finish().with(dependency_caps()).try_init(),
        LogFormat::Logfmt => builder
            .event_format(Logfmt)
            .finish()
            .with(dependency_caps())
            .try_init(),
        LogFormat::Json => builder.json().finish().with(dependency_caps()).try_init(),
    };
}

/// logfmt: `ts=… level=info target=… msg="…" key=value …`.
struct Logfmt;

/// A value as logfmt writes it: bare, or quoted with `"` and `\` escaped.
fn push_value(out: &mut String, v: &str) {
    let bare = !v.is_empty()
        && v.chars()
            .all(|c| c > ' ' && c != '"' && c != '=' && c != '\\' && !c.is_control());
    if bare {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The event's fields, message first as `msg`.
#[derive(Default)]
struct Fields {
    msg: String,
    rest: String,
}

impl Fields {
    fn put(&mut self, name: &str, v: &str) {
        if name == "message" {
            self.msg = v.to_string();
        } else {
            self.rest.push(' ');
            self.rest.push_str(name);
            self.rest.push('=');
            push_value(&mut self.rest, v);
        }
    }
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.put(field.name(), value);
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.put(field.name(), &format!("{value:?}"));
    }
}

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = String::new();
        let ts = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let level = meta.level().as_str().to_ascii_lowercase();
        let _ = write!(line, "ts={ts} level={level} target={} msg=", meta.target());
        push_value(&mut line, &fields.msg);
        line.push_str(&fields.rest);
        writeln!(writer, "{line}")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_values_are_quoted_when_needed() {
        let mut s = String::new();
        for v in ["127.0.0.1:9847", "*/5 * * * *", "", "a\"b\\c\nd"] {
            push_value(&mut s, v);
            s.push('|');
        }
        assert_eq!(
            s,
            "127.0.0.1:9847|\"*/5 * * * *\"|\"\"|\"a\\\"b\\\\c\\nd\"|"
        );
    }
}
