//! The agent as a process: `clawwatch run` (the daemon) and one cycle for
//! `clawwatch once`.

pub mod alloc;
pub mod basic_auth;
pub mod conns;
pub mod cycle;
pub mod gzip;
pub mod hooks;
pub mod http;
pub mod run;
pub mod scheduler;
pub mod server;
pub mod settings;
pub mod tls;
pub mod webconfig;
pub mod websource;
