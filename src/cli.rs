//! Command-line interface: clap definitions and the command runners.

use crate::exit::{self, ExitCodes};
use crate::output;
use crate::sources::{self, HostEnv, ReadOptions};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use clawwatch_core::model::{AgentScope, Policy, Report};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "clawwatch",
    version,
    about = "Health checks, metrics and alerts for OpenClaw's model credentials",
    long_about = "clawwatch reads OpenClaw's credential stores, config and environment and tells whether every \
configured model route has a usable credential, the same verdict as `openclaw models status --check`, \
in milliseconds and without OpenClaw installed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format on stderr (logs are off unless RUST_LOG or -v asks).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More logging (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print nothing on stdout; only the exit code tells.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// Listen address for /metrics (overrides [metrics] listen; "" disables).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
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

impl DoctorArgs {
    /// The plain request `doctor::command::run` takes.
    pub fn request(&self) -> crate::doctor::command::DoctorRequest {
        crate::doctor::command::DoctorRequest {
            state_dir: self.common.state_dir.clone(),
            policy: self.common.policy(),
            now_ms: self.common.now,
            exit_codes: self.common.exit_codes,
            json: self.json,
            probe: self.probe,
            config: self.config.clone(),
        }
    }
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

fn parse_warn(s: &str) -> Result<std::time::Duration, String> {
    clawwatch_core::timefmt::parse_duration(s)
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

    fn now_ms(&self) -> i64 {
        self.now
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }

    /// Read every source and evaluate: the whole imperative shell of a check.
    pub fn report(&self, host: &HostEnv) -> Report {
        let snap = sources::read_snapshot(
            host,
            &ReadOptions {
                state_dir: self.state_dir.clone(),
                agents: self.policy().agents,
            },
            &sources::Connections::default(),
        );
        tracing::debug!(
            state_dir = %snap.paths.state_dir.display(),
            agents = snap.agents.len(),
            env_vars = snap.env.vars.len(),
            problems = snap.problems.len(),
            "snapshot read"
        );
        for p in &snap.problems {
            tracing::info!(source = p.source.as_str(), reason = p.reason.as_str(), path = ?p.path, "{}", p.message);
        }
        let report = clawwatch_core::evaluate(&snap, self.now_ms(), &self.policy());
        tracing::trace!(verdict = ?report.verdict, "evaluated");
        report
    }
}

fn init_logging(cli: &Cli) {
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

/// Parse arguments and run; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let parsed = match bare_check(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(args),
    };
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => exit::UNKNOWN,
                _ => exit::UNKNOWN,
            };
            let _ = e.print();
            return code;
        }
    };
    init_logging(&cli);
    match run(&cli, &HostEnv::from_process()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clawwatch: {e:#}");
            exit::UNKNOWN
        }
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
        verbose: 0,
        quiet: false,
    })
}

fn emit(cli: &Cli, text: &str) -> Result<()> {
    use std::io::Write;
    if cli.quiet {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`clawwatch status | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow!(e)).context("writing to stdout"),
    }
}

/// Load clawwatch's config and derive the cycle settings (own failures: exit 3).
fn settings(
    args: &ConfigArgs,
    host: &HostEnv,
    o: &crate::agent::Overrides,
) -> Result<crate::agent::Settings> {
    let (cfg, path) = crate::config::load(args.config.as_deref(), &host.vars)?;
    crate::agent::Settings::from_config(cfg, path, o).map_err(|e| anyhow!(e))
}

pub fn run(cli: &Cli, host: &HostEnv) -> Result<i32> {
    match &cli.command {
        Command::Run(args) => {
            let o = crate::agent::Overrides {
                state_dir: args.config.state_dir.clone(),
                textfile: args.textfile.clone(),
                listen: args.listen.clone(),
                bench_cycles: args.bench_cycles,
            };
            let s = settings(&args.config, host, &o)?;
            crate::agent::run(s, o, host.clone())
        }
        Command::Once(args) => {
            let o = crate::agent::Overrides {
                state_dir: args.config.state_dir.clone(),
                textfile: args.textfile.clone(),
                listen: None,
                bench_cycles: 0,
            };
            let s = settings(&args.config, host, &o)?;
            let metrics = crate::output::metrics::Metrics::new();
            let mut hooks = crate::agent::Hooks::from_settings(&s, &metrics, &host.vars);
            let now = args
                .now
                .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
                .unwrap_or_else(chrono::Utc::now);
            let r = crate::agent::run_cycle(&s, host, &metrics, &mut hooks, now);
            if !cli.quiet {
                eprint!("{}", output::terminal::read_problems(&r.report));
            }
            emit(cli, &output::terminal::check(&r.report))?;
            if let Some(e) = r.textfile_error {
                return Err(anyhow!(e));
            }
            Ok(exit::code(r.report.verdict, args.exit_codes))
        }
        Command::Alert(AlertCommand::Test(args)) => {
            let (text, code) = crate::alert::test_command(
                args.config.as_deref(),
                args.channel.as_deref(),
                &host.vars,
            )?;
            emit(cli, &text)?;
            Ok(code)
        }
        Command::Config(ConfigCommand::Example) => {
            emit(cli, crate::config::EXAMPLE)?;
            Ok(0)
        }
        Command::Config(ConfigCommand::Check(args)) => {
            match crate::config::load(args.config.as_deref(), &host.vars) {
                Ok((_, path)) => {
                    let shown = path.map_or("no config file (all defaults)".to_string(), |p| {
                        p.display().to_string()
                    });
                    emit(cli, &format!("config OK: {shown}\n"))?;
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("clawwatch: {e}");
                    Ok(1)
                }
            }
        }
        Command::Doctor(args) => {
            let (text, code) = crate::doctor::command::run(&args.request(), host)?;
            emit(cli, &text)?;
            Ok(code)
        }
        Command::Check(args) => {
            let report = args.report(host);
            if !cli.quiet {
                eprint!("{}", output::terminal::read_problems(&report));
            }
            emit(cli, &output::terminal::check(&report))?;
            let code = exit::code(report.verdict, args.exit_codes);
            // One-shot: the process exits now; freeing a 1,000-agent report
            // piece by piece would only cost time.
            std::mem::forget(report);
            Ok(code)
        }
        Command::Status(args) => {
            let report = args.common.report(host);
            let check_code = exit::code(report.verdict, args.common.exit_codes);
            let format = if args.json {
                StatusFormat::Json
            } else {
                args.format
            };
            let (text, code) = match format {
                StatusFormat::Json => (output::json::render(&report, check_code), check_code),
                StatusFormat::Table => {
                    let word = match report.verdict {
                        clawwatch_core::model::Verdict::Ok => "OK",
                        clawwatch_core::model::Verdict::Expiring => "EXPIRING (check exits 2)",
                        clawwatch_core::model::Verdict::Failing => {
                            "EXPIRED OR MISSING (check exits 1)"
                        }
                    };
                    (output::terminal::status(&report, word), check_code)
                }
                StatusFormat::Simple => {
                    let (w, c) = output::simple::word(&report);
                    (format!("{w}\n"), c)
                }
            };
            // `simple` keeps the script's exit codes; the others exit 0
            // unless --check asks for the verdict.
            let code = match (format, args.check) {
                (StatusFormat::Simple, _) => code,
                (_, true) => code,
                (_, false) => 0,
            };
            emit(cli, &text)?;
            Ok(code)
        }
    }
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
