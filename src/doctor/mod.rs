//! `clawwatch doctor`: read-only findings about OpenClaw's model auth and
//! clawwatch's own deployment.

pub mod config;
