//! The application: parse the command line, run the command, map the
//! outcome to an exit code in one place.

pub mod cli;
pub mod commands;
pub mod logging;

use crate::exit;
use crate::sources::HostEnv;
use std::ffi::OsString;

/// Parse arguments and run; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match cli::parse(args.into_iter().collect()) {
        Ok(c) => c,
        Err(e) => return cli::report_error(&e),
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
