//! The application: parse the command line, run the command, map the
//! outcome to an exit code in one place.

pub mod cli;
pub mod commands;
pub mod logging;

use crate::exit;
use crate::sources::HostEnv;
use std::ffi::OsString;

/// The exit code of a command-line error: 0 for --help/--version, else 3
/// (never clap's 2, which a cron wrapper would take for "expiring").
fn exit_code_of(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
        _ => exit::UNKNOWN,
    }
}

/// Parse arguments and run; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match cli::parse(args.into_iter().collect()) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return exit_code_of(&e);
        }
    };
    logging::init(&cli);
    match commands::run(&cli, &HostEnv::from_process()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clawwatch: {e:#}");
            exit::UNKNOWN
        }
    }
}
