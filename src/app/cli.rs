//! Command-line interface: the clap definitions, and nothing else that
//! knows about clap. Usage errors exit 3 (see [`super::exit_code_of`]).

use crate::exit::ExitCodes;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clawwatch_core::model::{AgentScope, Policy};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "clawwatch",
    version = crate::version::LONG,
    about = "Health checks, metrics and alerts for OpenClaw's model credentials",
    long_about = "clawwatch reads OpenClaw's credential stores, config and environment and tells whether every \
configured model route has a usable credential, the same verdict as `openclaw models status --check`, \
in milliseconds and without OpenClaw installed.",
    after_long_help = "Exit status (check, status --check, once): 0 every route has a usable credential; \
1 a credential is expired or missing; 2 one expires within --warn-within (24h); 3 clawwatch itself failed \
(usage error, unreadable config). doctor: 0 nothing at warning or above, 2 warnings only, 1 an error.\n\n\
Files: ~/.openclaw (or OPENCLAW_STATE_DIR), read only; $XDG_CONFIG_HOME/clawwatch/clawwatch.toml, else \
/etc/clawwatch/clawwatch.toml (`clawwatch config example` prints a commented one).\n\n\
Environment: OPENCLAW_STATE_DIR, OPENCLAW_CONFIG_PATH, provider keys such as ANTHROPIC_API_KEY (read as \
OpenClaw reads them); CLAWWATCH_* overrides config keys; RUST_LOG sets the log filter.\n\n\
Documentation: README.md and docs/openclaw-rules.md in the source tree."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format on stderr.
    #[arg(long = "log.format", visible_alias = "log-format", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log level (default: info for `run`, else warn, and `check`/`status`
    /// log nothing). RUST_LOG overrides.
    #[arg(long = "log.level", global = true, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
    /// More logging (-v info, -vv debug, -vvv trace); --log.level wins.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print nothing on stdout; only the exit code tells.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Judge as this OpenClaw release does (e.g. 2026.7.35); default: detected per home.
    #[arg(long, global = true, value_name = "RELEASE", value_parser = parse_release)]
    pub openclaw_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `<time> LEVEL module: message key=value`
    Text,
    /// `ts=… level=… msg=… key=value` (as Prometheus' own exporters)
    Logfmt,
    /// One JSON object a line; values are plain strings and numbers.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exit 0 if fine, 1 if a credential is expired or missing, 2 if one expires soon
    /// (as `openclaw models status --check`); one line per problem.
    Check(CommonArgs),
    /// Show every agent, route and credential read, with expiry and state.
    Status(StatusArgs),
    /// Read-only findings: why model auth is broken and what to run; clawwatch's own setup.
    /// Exit 0 nothing at warning or above, 2 warnings only, 1 any error.
    Doctor(DoctorArgs),
    /// The agent: checks on a cron schedule, Prometheus /metrics, alerts.
    Run(RunArgs),
    /// One cycle (check, alert, textfile, heartbeat) for a timer or a Termux job.
    Once(OnceArgs),
    /// Validate the config, or print a commented example.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Alert channels: `alert test` sends a test notice through each one.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Print a shell completion script: `clawwatch completions bash > /etc/bash_completion.d/clawwatch`.
    Completions(CompletionsArgs),
    /// Write the man pages (clawwatch.1 and one per command) into DIR, for packagers.
    #[command(hide = true)]
    Manpages(ManpagesArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct ManpagesArgs {
    /// Directory to write the pages into (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// clawwatch.toml (default: $XDG_CONFIG_HOME/clawwatch/clawwatch.toml, else /etc/clawwatch/clawwatch.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// OpenClaw state directory (overrides the config's state_dir).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Listen address for /metrics, repeatable (overrides [metrics] listen;
    /// "" disables).
    #[arg(long = "web.listen-address", visible_alias = "listen", value_name = "ADDR", value_parser = parse_listen)]
    pub listen: Vec<Listen>,
    /// Web config (exporter-toolkit format): TLS and basic auth for
    /// /metrics, re-read when it changes.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config: Option<PathBuf>,
    /// Enable POST /-/reload (reloads the config as SIGHUP does).
    #[arg(long = "web.enable-lifecycle")]
    pub enable_lifecycle: bool,
    /// Also write the node_exporter textfile each cycle.
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<PathBuf>,
    /// Benchmarks: run N cycles back to back at start-up, logging RSS.
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub bench_cycles: u64,
}

#[derive(Debug, Clone, Args)]
pub struct OnceArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Write the metrics to this node_exporter textfile (atomically).
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<PathBuf>,
    /// Evaluate as of this instant (RFC 3339), instead of the clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Exit-code convention.
    #[arg(long, value_enum, default_value_t = ExitCodes::Openclaw)]
    pub exit_codes: ExitCodes,
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Send a test notice through each configured channel (or one); exit 0
    /// if every channel accepted it, 1 otherwise.
    Test(AlertTestArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AlertTestArgs {
    /// Only this channel (its `name` in the config).
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// clawwatch.toml (default: $XDG_CONFIG_HOME/clawwatch/clawwatch.toml, else /etc/clawwatch/clawwatch.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the config (file and CLAWWATCH_* overrides); exit 0 or 1.
    Check(ConfigArgs),
    /// Print a full commented example config.
    Example,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// OpenClaw state directory (default: OPENCLAW_STATE_DIR, else ~/.openclaw).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Check this agent (repeatable). Default: the agent OpenClaw checks.
    #[arg(long = "agent", value_name = "ID")]
    pub agents: Vec<String>,
    /// Check every agent (OpenClaw checks only the default agent).
    #[arg(long, conflicts_with = "agents")]
    pub all_agents: bool,
    /// Expiring threshold (OpenClaw: 24h, inclusive).
    #[arg(long, value_name = "DUR", default_value = "24h", value_parser = parse_warn)]
    pub warn_within: std::time::Duration,
    /// Evaluate as of this instant (RFC 3339), instead of the clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<i64>,
    /// Exit-code convention.
    #[arg(long, value_enum, default_value_t = ExitCodes::Openclaw)]
    pub exit_codes: ExitCodes,
}

/// `clawwatch doctor` flags.
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the findings as JSON (schema_version 1, see the README).
    #[arg(long)]
    pub json: bool,
    /// Also send one minimal authenticated request per selected credential
    /// to its provider (uses the network), rotating keys as the gateway does.
    #[arg(long)]
    pub probe: bool,
    /// clawwatch.toml to check (default: $XDG_CONFIG_HOME/clawwatch/clawwatch.toml,
    /// else /etc/clawwatch/clawwatch.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
    /// One word as OpenClaw's claude-auth-status.sh `simple` mode prints it.
    Simple,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Exit with the check code instead of 0.
    #[arg(long)]
    pub check: bool,
}

impl ValueEnum for ExitCodes {
    fn value_variants<'a>() -> &'a [Self] {
        &[ExitCodes::Openclaw, ExitCodes::Nagios]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            ExitCodes::Openclaw => clap::builder::PossibleValue::new("openclaw").help(
                "0 ok, 1 expired or missing, 2 expiring (as `openclaw models status --check`)",
            ),
            ExitCodes::Nagios => clap::builder::PossibleValue::new("nagios")
                .help("0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios / Icinga plugins)"),
        })
    }
}

/// `--listen ADDR`: an address, or "" for no HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen(pub Option<std::net::SocketAddr>);

fn parse_listen(s: &str) -> Result<Listen, String> {
    crate::config::parse_listen("--listen", s).map(Listen)
}

fn parse_warn(s: &str) -> Result<std::time::Duration, String> {
    clawwatch_core::timefmt::parse_duration(s)
}

fn parse_release(s: &str) -> Result<String, String> {
    match clawwatch_core::openclaw::release::Release::parse(s) {
        Some(r) => Ok(r.to_string()),
        None => Err(format!(
            "{s:?} is not an OpenClaw release version (e.g. 2026.9.6)"
        )),
    }
}

fn parse_now(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("invalid RFC 3339 instant {s:?}: {e} (e.g. 2026-11-25T20:51:55Z)"))
}

impl CommonArgs {
    pub fn policy(&self) -> Policy {
        Policy {
            agents: if self.all_agents {
                AgentScope::All
            } else if self.agents.is_empty() {
                AgentScope::Default
            } else {
                AgentScope::Only(self.agents.clone())
            },
            warn_within_ms: i64::try_from(self.warn_within.as_millis()).unwrap_or(i64::MAX),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.now
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }
}

/// `clawwatch check` with no options, as cron jobs and timers run it: the
/// arguments clap would produce, without building clap's whole command tree
/// (that cost more than the check itself). The test
/// `bare_check_is_what_clap_parses` keeps the two identical; an option that
/// reads the environment (`env = …`) would have to be read here too.
fn bare_check(args: &[OsString]) -> Option<Cli> {
    let [_, cmd] = args else { return None };
    if cmd != "check" {
        return None;
    }
    Some(Cli {
        command: Command::Check(CommonArgs {
            state_dir: None,
            agents: Vec::new(),
            all_agents: false,
            warn_within: parse_warn("24h").ok()?,
            now: None,
            exit_codes: ExitCodes::Openclaw,
        }),
        log_format: LogFormat::Text,
        log_level: None,
        verbose: 0,
        quiet: false,
        openclaw_version: None,
    })
}

/// Print a command-line error; its exit code: 0 for --help/--version, else
/// 3 (never clap's 2, which a cron wrapper would take for "expiring").
pub fn report_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
        _ => crate::exit::UNKNOWN,
    }
}

/// Parse with clap, or the fast path for a bare `check`.
pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    match bare_check(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(args),
    }
}

/// The completion script for `shell`, generated from the clap definitions.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "clawwatch", &mut out);
    out
}

/// The man pages, generated from the clap definitions: `clawwatch.1` and
/// `clawwatch-<command>.1` for each visible command (as `(file name, roff)`).
/// The version shown is the package version alone, so the committed pages
/// do not change with every commit.
pub fn manpages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = <Cli as clap::CommandFactory>::command().version(crate::version::VERSION);
    cmd.build();
    let mut pages = vec![("clawwatch.1".to_string(), render_page(cmd.clone())?)];
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("clawwatch-{}", sub.get_name());
        let page = sub.clone().version(crate::version::VERSION);
        pages.push((format!("{name}.1"), render_page(page)?));
    }
    Ok(pages)
}

fn render_page(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .manual("clawwatch manual")
        .source(concat!("clawwatch ", env!("CARGO_PKG_VERSION")))
        .render(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn bare_check_is_what_clap_parses() {
        let a = args(&["clawwatch", "check"]);
        let fast = bare_check(&a).expect("bare `check` takes the fast path");
        let clap = Cli::try_parse_from(a).expect("clap parses `check`");
        assert_eq!(format!("{fast:?}"), format!("{clap:?}"));
    }

    #[test]
    fn anything_else_goes_through_clap() {
        for a in [
            &["clawwatch"][..],
            &["clawwatch", "status"],
            &["clawwatch", "check", "--all-agents"],
            &["clawwatch", "-q", "check"],
            &["clawwatch", "check", "-h"],
            &["clawwatch", "Check"],
        ] {
            assert!(bare_check(&args(a)).is_none(), "{a:?}");
        }
    }
}
