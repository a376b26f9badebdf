//! `clawwatch doctor`: read-only findings about OpenClaw's model auth and
//! clawwatch's own deployment.
//!
//! Functional core, imperative shell, as everywhere else: [`gather`] reads
//! what the checks need (file modes, the gateway's systemd unit, shell
//! profiles, clawwatch's config, the metrics port, and with `--probe` the
//! live provider answers, sent by [`probe`]) into plain
//! [`clawwatch_core::doctor::DoctorInputs`]; the pure
//! [`clawwatch_core::doctor::findings()`] turns a snapshot, its report and
//! those inputs into findings. [`command`] is `clawwatch doctor`, [`cycle`]
//! doctor inside the agent. Nothing here creates, modifies or touches a
//! file of OpenClaw's.

pub mod command;
pub mod cycle;
pub mod gather;
pub mod probe;
