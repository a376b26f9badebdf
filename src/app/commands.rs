//! One function per command: flags in, text on stdout, exit code out.
//! clawwatch's own failures are `Err` (exit 3).

use super::cli::{
    AlertCommand, Cli, Command, CommonArgs, ConfigArgs, ConfigCommand, DoctorArgs, OnceArgs,
    RunArgs, StatusArgs, StatusFormat,
};
use crate::check::{self, CheckRequest};
use crate::daemon::{cycle, hooks::Hooks, settings};
use crate::exit;
use crate::output;
use crate::sources::HostEnv;
use anyhow::{Context, Result, anyhow};
use clawwatch_core::model::Verdict;

/// Run the parsed command.
pub fn run(cli: &Cli, host: &HostEnv) -> Result<i32> {
    match &cli.command {
        Command::Check(args) => check(cli, args, host),
        Command::Status(args) => status(cli, args, host),
        Command::Doctor(args) => doctor(cli, args, host),
        Command::Run(args) => daemon(cli, args, host),
        Command::Once(args) => once(cli, args, host),
        Command::Config(ConfigCommand::Example) => {
            emit(cli, crate::config::EXAMPLE)?;
            Ok(0)
        }
        Command::Config(ConfigCommand::Check(args)) => config_check(cli, args, host),
        Command::Alert(AlertCommand::Test(args)) => {
            let (text, code) = crate::alert::test_command(
                args.config.as_deref(),
                args.channel.as_deref(),
                &host.vars,
            )?;
            emit(cli, &text)?;
            Ok(code)
        }
        Command::Completions(args) => {
            emit_bytes(cli, &super::cli::completions(args.shell))?;
            Ok(0)
        }
        Command::Manpages(args) => write_manpages(&args.dir),
    }
}

/// `clawwatch manpages DIR`: one file per page.
fn write_manpages(dir: &std::path::Path) -> Result<i32> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pages = super::cli::manpages().context("rendering the man pages")?;
    for (name, roff) in pages {
        let path = dir.join(name);
        std::fs::write(&path, roff).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}

/// Write to stdout unless `-q`; a closed pipe (`clawwatch status | head`)
/// is not an error.
fn emit(cli: &Cli, text: &str) -> Result<()> {
    emit_bytes(cli, text.as_bytes())
}

fn emit_bytes(cli: &Cli, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if cli.quiet {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow!(e)).context("writing to stdout"),
    }
}

fn request(cli: &Cli, args: &CommonArgs) -> CheckRequest {
    CheckRequest {
        state_dir: args.state_dir.clone(),
        policy: args.policy(),
        now_ms: args.now_ms(),
        openclaw_version: cli.openclaw_version.clone(),
    }
}

fn doctor(cli: &Cli, args: &DoctorArgs, host: &HostEnv) -> Result<i32> {
    let req = crate::doctor::command::DoctorRequest {
        state_dir: args.common.state_dir.clone(),
        policy: args.common.policy(),
        now_ms: args.common.now,
        exit_codes: args.common.exit_codes,
        json: args.json,
        probe: args.probe,
        config: args.config.clone(),
        openclaw_version: cli.openclaw_version.clone(),
    };
    let (text, code) = crate::doctor::command::run(&req, host)?;
    emit(cli, &text)?;
    Ok(code)
}

fn check(cli: &Cli, args: &CommonArgs, host: &HostEnv) -> Result<i32> {
    let req = request(cli, args);
    let snap = check::read(host, &req);
    let report = check::judge(&snap, &req);
    if !cli.quiet {
        eprint!("{}", output::terminal::read_problems(&report));
    }
    let mut text = output::terminal::check(&report);
    if !snap.paths.state_dir_exists {
        text.push_str(&output::terminal::missing_state_dir(&report));
    }
    emit(cli, &text)?;
    std::mem::forget(snap);
    let code = exit::code(report.verdict, args.exit_codes);
    // One-shot: the process exits now; freeing a 1,000-agent report piece
    // by piece would only cost time.
    std::mem::forget(report);
    Ok(code)
}

fn status(cli: &Cli, args: &StatusArgs, host: &HostEnv) -> Result<i32> {
    let report = check::report(host, &request(cli, &args.common));
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
                Verdict::Ok => "OK",
                Verdict::Expiring => "EXPIRING (check exits 2)",
                Verdict::Failing => "EXPIRED OR MISSING (check exits 1)",
            };
            (output::terminal::status(&report, word), check_code)
        }
        StatusFormat::Simple => {
            let (w, c) = output::simple::word(&report);
            (format!("{w}\n"), c)
        }
    };
    emit(cli, &text)?;
    // `simple` keeps the script's exit codes; the others exit 0 unless
    // --check asks for the verdict.
    Ok(match (format, args.check) {
        (StatusFormat::Simple, _) | (_, true) => code,
        (_, false) => 0,
    })
}

/// Load clawwatch's config and derive the cycle settings.
fn settings(
    args: &ConfigArgs,
    host: &HostEnv,
    o: &settings::Overrides,
) -> Result<settings::Settings> {
    let (cfg, path) = crate::config::load(args.config.as_deref(), &host.vars)?;
    Ok(settings::Settings::from_config(cfg, path, o))
}

fn daemon(cli: &Cli, args: &RunArgs, host: &HostEnv) -> Result<i32> {
    let o = settings::Overrides {
        state_dir: args.config.state_dir.clone(),
        textfile: args.textfile.clone(),
        listen: (!args.listen.is_empty()).then(|| args.listen.iter().filter_map(|l| l.0).collect()),
        web_config: args.web_config.clone(),
        enable_lifecycle: args.enable_lifecycle,
        bench_cycles: args.bench_cycles,
        openclaw_version: cli.openclaw_version.clone(),
    };
    let s = settings(&args.config, host, &o)?;
    crate::daemon::run::run(s, o, host.clone())
}

fn once(cli: &Cli, args: &OnceArgs, host: &HostEnv) -> Result<i32> {
    let o = settings::Overrides {
        state_dir: args.config.state_dir.clone(),
        textfile: args.textfile.clone(),
        listen: None,
        web_config: None,
        enable_lifecycle: false,
        bench_cycles: 0,
        openclaw_version: cli.openclaw_version.clone(),
    };
    let s = settings(&args.config, host, &o)?;
    let metrics = crate::output::metrics::Metrics::new();
    let mut hooks = Hooks::from_settings(&s, &metrics, &host.vars);
    let now = args
        .now
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
        .unwrap_or_else(chrono::Utc::now);
    let r = cycle::run_cycle(&s, host, &metrics, &mut hooks, now);
    if !cli.quiet {
        eprint!("{}", output::terminal::read_problems(&r.report));
    }
    emit(cli, &output::terminal::check(&r.report))?;
    if let Some(e) = r.textfile_error {
        return Err(anyhow!(e));
    }
    Ok(exit::code(r.report.verdict, args.exit_codes))
}

fn config_check(cli: &Cli, args: &ConfigArgs, host: &HostEnv) -> Result<i32> {
    match crate::config::load(args.config.as_deref(), &host.vars) {
        Ok((cfg, path)) => {
            let shown = path.map_or("no config file (all defaults)".to_string(), |p| {
                p.display().to_string()
            });
            // What `run` needs beyond the syntax: files, URLs, TLS.
            let problems = crate::alert::alerter::config_problems(&cfg.alert, &host.vars);
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!("clawwatch: {shown}: {p}");
                }
                return Ok(1);
            }
            emit(cli, &format!("config OK: {shown}\n"))?;
            Ok(0)
        }
        Err(e) => {
            eprintln!("clawwatch: {e}");
            Ok(1)
        }
    }
}
