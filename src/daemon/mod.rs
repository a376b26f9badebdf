//! The agent as a process: `clawwatch run` (the daemon) and one cycle for
//! `clawwatch once`.

pub mod alloc;
pub mod cycle;
pub mod hooks;
pub mod http;
pub mod run;
pub mod scheduler;
pub mod settings;
