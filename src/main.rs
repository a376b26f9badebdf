//! Thin binary: parse flags, run a command, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    let code = clawwatch::app::main_with_args(std::env::args_os());
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(3))
}
